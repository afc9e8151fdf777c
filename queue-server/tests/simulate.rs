//! `queue-server simulate`, the real binary: the example scenario printed and exported, the same seed
//! giving the same report, a wrong scenario naming its field, and a replay of an office's own log.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use domain::event::Actor;
use domain::office::{Priority, ServiceCode};
use queue_server::office::Office;

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../simulator/scenarios/demo-monday.toml")
}

fn simulate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_queue-server")).arg("simulate").args(args).output().expect("run queue-server")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qs-simulate-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "queue-server simulate failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn the_example_scenario_prints_and_exports() {
    let out = temp("out");
    let s = scenario();
    let args = [s.to_str().unwrap(), "--variant", "them-quay-8-10", "--lang", "en", "--out", out.to_str().unwrap()];
    let text = stdout(&simulate(&[&["--scenario"], &args[..]].concat()));
    for want in ["Mean wait (min)", "Longest queue", "Counter utilisation", "base", "them-quay-8-10", "(×0."] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
    assert!(!text.contains("uu-tien-1-3"), "only the variant asked for runs");
    for file in ["tickets.csv", "summary.csv", "counters.csv", "histogram.csv"] {
        let bytes = std::fs::read(out.join(file)).unwrap();
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "{file} starts with a BOM");
    }
    let tickets = std::fs::read_to_string(out.join("tickets.csv")).unwrap();
    assert!(tickets.lines().count() > 300, "{} lines", tickets.lines().count());
    assert!(tickets.lines().nth(1).unwrap().starts_with("base,2026-12-07,"), "{}", tickets.lines().nth(1).unwrap());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let variants = summary["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert!(variants[1]["wait"]["mean_min"].as_f64() < variants[0]["wait"]["mean_min"].as_f64());
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn the_same_seed_prints_the_same_report_in_vietnamese() {
    let s = scenario();
    let run = |seed: &str| stdout(&simulate(&["--scenario", s.to_str().unwrap(), "--days", "2", "--seed", seed]));
    let first = run("5");
    assert!(first.contains("Thời gian chờ trung bình (phút)"), "{first}");
    assert!(first.contains("Chưa được phục vụ khi đóng cửa"));
    assert_eq!(first, run("5"));
    assert_ne!(first, run("6"));
}

#[test]
fn a_wrong_scenario_names_its_field() {
    let dir = temp("bad");
    let bad = dir.join("bad.toml");
    let text = std::fs::read_to_string(scenario()).unwrap().replace("mean_min = 12, sd_min = 7", "mean_min = -1");
    std::fs::write(&bad, text).unwrap();
    let o = simulate(&["--scenario", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("services[2].service_time.mean_min"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_office_log_is_replayed() {
    let dir = temp("office");
    {
        let office = Office::open(&dir).unwrap();
        queue_server::demo::seed_if_empty(&office).await.unwrap();
        for (service, priority) in
            [("ho-tich", Priority::None), ("ho-tich", Priority::Elderly), ("tra-ket-qua", Priority::None)]
        {
            let command = domain::queue::Command::IssueTicket {
                service: ServiceCode::new(service).unwrap(),
                priority,
                idempotency_key: None,
                device: None,
                procedure: None,
            };
            office.command(Actor::System, command).await.unwrap();
        }
    }
    let s = scenario();
    let o = simulate(&["--scenario", s.to_str().unwrap(), "--from-history", dir.to_str().unwrap(), "--lang", "en"]);
    let text = stdout(&o);
    let tickets = text.lines().find(|l| l.starts_with("Tickets")).unwrap();
    assert_eq!(tickets.split_whitespace().nth(1), Some("3"), "{text}");
    let other_day =
        simulate(&["--scenario", s.to_str().unwrap(), "--from-history", dir.to_str().unwrap(), "--day", "2001-01-01"]);
    assert!(!other_day.status.success());
    assert!(String::from_utf8_lossy(&other_day.stderr).contains("no tickets in the log on 2001-01-01"));
    let _ = std::fs::remove_dir_all(dir);
}
