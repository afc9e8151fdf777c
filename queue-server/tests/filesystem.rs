//! A real full disk and a real read-only filesystem (tmpfs mounts; needs root, which the CI machine has).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::json;

struct Mount(std::path::PathBuf);

impl Mount {
    fn tmpfs(dir: &Path, size: &str) -> Option<Mount> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .ok()?
            .success();
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
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=64k", "count=1000"])
        .arg(format!("of={}", filler.display()))
        .output();
    let (acked, (status, body)) = issue_until_refused(&s, &kiosk, "dat-dai", 20_000).await;
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

/// Runs the binary for at most `limit`; a command that should refuse must not start serving.
/// Returns the exit status (None if it was still running and had to be killed), stdout and stderr.
fn run_briefly(args: &[&str], dir: &Path, limit: std::time::Duration) -> (Option<std::process::ExitStatus>, String) {
    let log = std::env::temp_dir().join(format!("qs-run-{}.log", uuid::Uuid::new_v4()));
    let file = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(BIN)
        .args(args)
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    (status, output)
}

fn refused(args: &[&str], dir: &Path, expect: &[&str]) {
    let (status, output) = run_briefly(args, dir, std::time::Duration::from_secs(20));
    let what = format!("queue-server {} {}", args.join(" "), dir.display());
    let status = status.unwrap_or_else(|| panic!("{what} kept running instead of refusing: {output}"));
    assert!(!status.success(), "{what} succeeded: {output}");
    for e in expect {
        assert!(output.contains(e), "{what}: expected {e:?} in: {output}");
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The permission bits, as `ls` and chmod write them ("0700").
fn mode(path: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:04o}", meta.permissions().mode() & 0o777)
}

const SERVE: &[&str] = &["serve", "--listen", "127.0.0.1:0", "--data-dir"];
const DEMO: &[&str] = &["demo", "--listen", "127.0.0.1:0", "--data-dir"];

#[test]
fn a_mistyped_data_dir_or_an_empty_database_is_refused_and_nothing_is_created() {
    let root = temp_dir("refuse");
    // A mistyped directory: verify, backup and serve refuse and create nothing; serve says how to
    // create an office.
    let missing = root.join("ofice");
    let db = missing.join("office.sqlite3");
    let db_text = db.display().to_string();
    refused(&["verify", "--data-dir"], &missing, &["no office database at", &db_text, "does not exist"]);
    let out = root.join("out.sqlite3");
    let out_text = out.to_str().unwrap();
    refused(&["backup", "--out", out_text, "--data-dir"], &missing, &["no office database at", &db_text]);
    refused(SERVE, &missing, &["no office database at", &db_text, "--config", "demo"]);
    // Nor do the commands that change or list an office.
    let cli: [&[&str]; 7] = [
        &["enrol", "--role", "display", "--name", "TV", "--data-dir"],
        &["user", "set", "--username", "admin", "--display-name", "A", "--role", "admin", "--data-dir"],
        &["user", "disable", "--username", "admin", "--data-dir"],
        &["user", "list", "--data-dir"],
        &["device", "list", "--data-dir"],
        &["device", "revoke", "--id", "6f1c2b1e-0000-4000-8000-000000000000", "--data-dir"],
        &["import-dossiers", "--data-dir"],
    ];
    for args in cli {
        refused(args, &missing, &["no office database at", &db_text]);
    }
    assert!(!missing.exists(), "a refused command created {}", missing.display());
    assert!(!out.exists());

    // A directory without a database: verify refuses, and an existing empty directory is a new
    // office only when serve is given its configuration.
    let empty = root.join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(
        &["verify", "--data-dir"],
        &empty,
        &["no office database at", &empty.join("office.sqlite3").display().to_string()],
    );
    refused(SERVE, &empty, &["--config"]);
    for args in &cli[2..] {
        refused(args, &empty, &["holds no office database"]);
    }
    refused(cli[0], &empty, &["holds no office database"]);
    assert!(listing(&empty).is_empty(), "{:?}", listing(&empty));

    // A directory holding other files but no database (a wrong directory) is no place for an office.
    let busy = root.join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "not an office").unwrap();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/office.toml");
    let serve_config = ["serve", "--config", config.to_str().unwrap(), "--listen", "127.0.0.1:0", "--data-dir"];
    refused(&serve_config, &busy, &["notes.txt", "no office database"]);
    refused(DEMO, &busy, &["notes.txt", "no office database"]);
    assert_eq!(listing(&busy), ["notes.txt"]);

    // A 0-byte database file (a truncated copy, a `touch`) is not an empty office.
    let zero = root.join("zero");
    std::fs::create_dir(&zero).unwrap();
    let zero_db = zero.join("office.sqlite3");
    std::fs::File::create(&zero_db).unwrap();
    let expect = [zero_db.to_str().unwrap(), "is empty (0 bytes): not an office database"];
    refused(&["verify", "--data-dir"], &zero, &expect);
    refused(&["backup", "--out", out_text, "--data-dir"], &zero, &expect);
    refused(SERVE, &zero, &expect);
    refused(&serve_config, &zero, &expect);
    refused(DEMO, &zero, &expect);
    assert_eq!(std::fs::metadata(&zero_db).unwrap().len(), 0);
    assert_eq!(listing(&zero), ["office.sqlite3"]);
    assert!(!out.exists());
    // restore refuses an empty or missing backup file, naming it.
    let empty_backup = root.join("empty.bak");
    std::fs::File::create(&empty_backup).unwrap();
    refused(
        &["restore", "--from", empty_backup.to_str().unwrap(), "--data-dir"],
        &root.join("r"),
        &["empty.bak", "0 bytes"],
    );
    refused(
        &["restore", "--from", root.join("nope.bak").to_str().unwrap(), "--data-dir"],
        &root.join("r"),
        &["nope.bak"],
    );
    assert!(!root.join("r").exists());
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_and_database_files_are_private() {
    let root = temp_dir("private");
    // demo creates its office in a missing directory, private from the start.
    let dir = root.join("office");
    let s = Server::demo(&dir);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    let (st, _) = post(&s, &kiosk, "/api/v1/tickets", json!({"service": "dat-dai"})).await;
    assert_eq!(st, 201);
    assert_eq!(mode(&dir), "0700", "data directory");
    for f in ["office.sqlite3", "office.sqlite3-wal", "office.sqlite3-shm"] {
        assert_eq!(mode(&dir.join(f)), "0600", "{f}");
    }
    let out = root.join("backup.sqlite3");
    let status = Command::new(BIN).args(["backup", "--data-dir"]).arg(&dir).arg("--out").arg(&out).status().unwrap();
    assert!(status.success());
    assert_eq!(mode(&out), "0600", "backup file");
    drop(s);

    // An office made by an older version (0755 directory, 0644 files) is tightened when it opens.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for f in ["office.sqlite3", "office.sqlite3-wal", "office.sqlite3-shm"] {
        std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let s = Server::demo(&dir);
    assert_eq!(mode(&dir), "0700", "data directory tightened");
    for f in ["office.sqlite3", "office.sqlite3-wal", "office.sqlite3-shm"] {
        assert_eq!(mode(&dir.join(f)), "0600", "{f} tightened");
    }
    drop(s);

    // A new office from `serve --config` in an empty directory someone made with the default umask.
    let new = root.join("new-office");
    std::fs::create_dir(&new).unwrap();
    std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/office.toml");
    let s = Server::serve(&new, &config);
    assert!(last_seq(&s).await > 0);
    assert_eq!(mode(&new), "0700");
    assert_eq!(mode(&new.join("office.sqlite3")), "0600");
    drop(s);

    // A restore makes a private directory and database too.
    let restored = root.join("restored");
    let ok = Command::new(BIN).args(["restore", "--data-dir"]).arg(&restored).arg("--from").arg(&out).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(mode(&restored), "0700");
    assert_eq!(mode(&restored.join("office.sqlite3")), "0600");
    let _ = std::fs::remove_dir_all(root);
}

/// The events stored in a data directory, counted without queue-server.
fn count_events(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_and_backup_read_an_office_on_a_read_only_mount() {
    // An office as a killed server leaves it: recent commits only in the write-ahead log.
    let source = temp_dir("ro-source");
    let s = Server::demo(&source);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    for _ in 0..3 {
        let (st, _) = post(&s, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
        assert_eq!(st, 201);
    }
    drop(s);
    let mnt = temp_dir("ro-mount");
    let Some(mount) = Mount::tmpfs(&mnt, "64m") else {
        eprintln!("SKIPPED: cannot mount a tmpfs here (not root?)");
        return;
    };
    // Three states a copied data directory can be in on read-only media.
    let cases = [("checkpointed", &[][..]), ("wal-and-shm", &["-wal", "-shm"][..]), ("wal-only", &["-wal"][..])];
    for (name, sidecars) in cases {
        let dir = mnt.join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::copy(source.join("office.sqlite3"), dir.join("office.sqlite3")).unwrap();
        for s in ["-wal", "-shm"] {
            std::fs::copy(source.join(format!("office.sqlite3{s}")), dir.join(format!("office.sqlite3{s}"))).unwrap();
        }
        if sidecars.is_empty() {
            // The last connection to close checkpoints the log into the database and removes it.
            let conn = rusqlite::Connection::open(dir.join("office.sqlite3")).unwrap();
            conn.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0)).unwrap();
            drop(conn);
        } else if !sidecars.contains(&"-shm") {
            std::fs::remove_file(dir.join("office.sqlite3-shm")).unwrap();
        }
        let mut expected: Vec<String> = sidecars.iter().map(|s| format!("office.sqlite3{s}")).collect();
        expected.push("office.sqlite3".into());
        expected.sort();
        assert_eq!(listing(&dir), expected, "{name}");
        if !sidecars.is_empty() {
            assert!(std::fs::metadata(dir.join("office.sqlite3-wal")).unwrap().len() > 0, "{name}: empty log");
        }
    }
    let events = count_events(&source.join("office.sqlite3"));
    assert!(events > 10, "{events}");
    mount.remount("ro");
    let backups = temp_dir("ro-backups");
    for (name, _) in cases {
        let dir = mnt.join(name);
        let before = listing(&dir);
        let out = Command::new(BIN).args(["verify", "--data-dir"]).arg(&dir).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: verify failed: {}", String::from_utf8_lossy(&out.stderr));
        // The whole chain, including what is only in the write-ahead log.
        assert!(stdout.contains(&format!("{events} events, hash chain intact")), "{name}: {stdout}");
        let file = backups.join(format!("{name}.sqlite3"));
        let out = Command::new(BIN).args(["backup", "--data-dir"]).arg(&dir).arg("--out").arg(&file).output().unwrap();
        assert!(out.status.success(), "{name}: backup failed: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(count_events(&file), events, "{name}: backup");
        assert_eq!(mode(&file), "0600", "{name}: backup file");
        assert_eq!(listing(&dir), before, "{name}");
    }
    // The backup written from a read-only mount is a verified office.
    let restored = backups.join("restored");
    let out = Command::new(BIN)
        .args(["restore", "--data-dir"])
        .arg(&restored)
        .arg("--from")
        .arg(backups.join("wal-only.sqlite3"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(verify(&restored).contains(&format!("{events} events, hash chain intact")));
    mount.remount("rw");
    drop(mount);
    let _ = std::fs::remove_dir_all(source);
    let _ = std::fs::remove_dir_all(backups);
}
