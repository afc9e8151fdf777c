//! A real full disk and a real read-only filesystem (tmpfs mounts; needs root, which the CI machine has).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{json, Value};

struct Mount(std::path::PathBuf);

impl Mount {
    fn tmpfs(dir: &Path, size: &str) -> Option<Mount> {
        let ok = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(dir).status().ok()?.success();
        ok.then(|| Mount(dir.to_path_buf()))
    }
    fn remount(&self, opts: &str) {
        let status = Command::new("mount").args(["-o", &format!("remount,{opts}")]).arg(&self.0).status().unwrap();
        assert!(status.success(), "remount {opts}");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_full_disk_and_read_only_filesystem() {
    let dir = temp_dir("tmpfs");
    let Some(mount) = Mount::tmpfs(&dir, "3m") else {
        eprintln!("SKIPPED: cannot mount a tmpfs here (not root?); the page-cap disk-full test still runs");
        return;
    };
    let data = dir.join("office");
    let s = Server::demo(&data);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    // Fill the filesystem itself.
    let filler = dir.join("filler");
    let _ = Command::new("dd").args(["if=/dev/zero", "bs=64k", "count=1000"]).arg(format!("of={}", filler.display())).output();
    let mut acked = Vec::new();
    let mut refusal = None;
    for i in 0..20_000 {
        let r = client()
            .post(s.url("/api/v1/tickets"))
            .bearer_auth(&kiosk)
            .header("Idempotency-Key", format!("t{i}"))
            .json(&json!({"service": "dat-dai"}))
            .send()
            .await
            .unwrap();
        if r.status() == 201 {
            acked.push(r.json::<Value>().await.unwrap());
        } else {
            refusal = Some((r.status().as_u16(), r.json::<Value>().await.unwrap()));
            break;
        }
    }
    let (status, body) = refusal.expect("the full filesystem refused a ticket");
    assert_eq!((status, body["code"].as_str()), (503, Some("disk_full")), "{body}");
    // Room again: nothing acknowledged is lost, nothing half-written shows.
    std::fs::remove_file(&filler).unwrap();
    for t in &acked {
        let (st, v) = get(&s, &kiosk, &format!("/api/v1/tickets/{}", t["id"].as_str().unwrap())).await;
        assert_eq!((st, &v["number"]), (200, &t["number"]));
    }
    let (st, next) = post(&s, &kiosk, "/api/v1/tickets", json!({"service": "dat-dai"})).await;
    assert_eq!(st, 201);
    assert_eq!(next["number"].as_str().unwrap(), format!("C{:03}", acked.len() + 1));

    // A read-only filesystem (remounting needs no open writers, so the server stops first):
    // starting on it fails with a readable message and changes nothing.
    drop(s);
    let before = std::fs::read(data.join("office.sqlite3")).unwrap();
    mount.remount("ro");
    let out = Command::new(BIN).args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(&data).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("read-only") || stderr.contains("not writable"), "{stderr}");
    assert_eq!(std::fs::read(data.join("office.sqlite3")).unwrap(), before);
    mount.remount("rw");
    drop(mount);
}
