//! The event log is a contract: logs written by earlier versions (`tests/fixtures/*.sqlite3`, made by
//! `scripts/make-log-fixture.py` with the binary of that version) must replay in this one to the same
//! summary, be served, and take new events on the same hash chain.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sqlite3"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no log fixtures in {}", dir.display());
    found
}

/// A private copy of a fixture as an office data directory.
fn office_from(fixture: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("fixture");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let db = dir.join("office.sqlite3");
    std::fs::copy(fixture, &db).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    dir
}

fn verify(dir: &Path) -> Vec<String> {
    let out = std::process::Command::new(BIN).args(["verify", "--data-dir"]).arg(dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "verify failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect()
}

#[tokio::test]
async fn logs_written_by_earlier_versions_replay_serve_and_grow() {
    for fixture in fixtures() {
        let name = fixture.display().to_string();
        let expected: Value = serde_json::from_str(&std::fs::read_to_string(format!("{name}.json")).unwrap()).unwrap();
        let events = expected["events"].as_u64().unwrap();
        let summary: Vec<String> =
            expected["verify"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_owned()).collect();
        let dir = office_from(&fixture);
        assert_eq!(verify(&dir), summary, "{name}: replayed to another summary");

        // Served by this version: the old staff log in, its tickets and settings read back.
        let s = Server::demo(&dir);
        assert!(last_seq(&s).await >= events, "{name}");
        let admin = login(&s, "admin").await;
        let (status, settings) = get(&s, &admin, "/api/v1/admin/settings").await;
        assert_eq!(status, 200, "{name}: {settings}");
        assert_eq!(settings["notice"]["en"], "A fixture notice.", "{name}");
        let (status, staff) = get(&s, &admin, "/api/v1/admin/staff").await;
        assert_eq!(status, 200);
        let disabled = staff.as_array().unwrap().iter().find(|u| u["username"] == "canbo9").unwrap();
        assert_eq!(disabled["active"], false, "{name}: a disabled account came back active");
        let (status, devices) = get(&s, &admin, "/api/v1/admin/devices").await;
        assert_eq!(status, 200);
        assert!(devices.as_array().unwrap().iter().any(|d| d["revoked"] == true), "{name}: {devices}");
        // A new event goes on the same chain.
        let code = {
            let (status, body) = post(
                &s,
                &admin,
                "/api/v1/admin/enrolment-codes",
                serde_json::json!({"role": "display", "name": "Màn hình mới"}),
            )
            .await;
            assert_eq!(status, 201, "{body}");
            body["code"].as_str().unwrap().to_owned()
        };
        let r = client()
            .post(s.url("/api/v1/devices/enrol"))
            .json(&serde_json::json!({"code": code, "name": "Màn hình mới"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{name}");
        let grown = last_seq(&s).await;
        assert!(grown > events);
        drop(s);
        let after = verify(&dir);
        assert!(after[0].contains(&format!("{grown} events, hash chain intact")), "{name}: {after:?}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Every log an earlier version wrote is a valid sync stream as it stands: its rows chain under the
/// sync protocol's hash, and cut into batches they sign, verify and are judged as the central would.
#[test]
fn every_fixture_log_goes_to_the_city_as_it_is() {
    for fixture in fixtures() {
        let conn = rusqlite::Connection::open(&fixture).unwrap();
        let mut stmt = conn.prepare("SELECT seq, id, at, actor, type, body, hash FROM events ORDER BY seq").unwrap();
        let records: Vec<sync::EventRecord> =
            stmt.query_map([], |r| sync::EventRecord::from_row(r, 0)).unwrap().map(Result::unwrap).collect();
        assert!(!records.is_empty(), "{}", fixture.display());
        sync::verify_chain(sync::GENESIS_HASH, &records).unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
        let key = sync::batch::signing_key(&[3; 32]);
        let office = uuid::Uuid::from_u128(1);
        let mut prev = sync::GENESIS_HASH.to_string();
        for run in records.chunks(100) {
            let signed = sync::Batch::new(office, &prev, run.to_vec(), "2026-12-04T00:00:00Z").unwrap().sign(&key);
            let (body, compressed) = signed.to_body();
            let back = sync::SignedBatch::from_body(&body, compressed).unwrap();
            back.verify(&key.verifying_key()).unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
            prev = run.last().unwrap().hash.clone();
        }
    }
}
