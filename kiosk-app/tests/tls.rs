//! A kiosk talking to an office server over TLS, trusting only the server's own certificate
//! (`[server] ca_file`): enrols, lists services and issues a ticket; without the pin it cannot connect.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{free_port, server_bin, temp_dir};
use domain::office::Priority;
use kiosk_app::config::Config;

#[test]
fn a_kiosk_pinned_to_the_office_certificate_works_over_tls_and_an_unpinned_one_does_not() {
    let dir = temp_dir("tls-server");
    let port = free_port();
    let server_config = dir.with_extension("toml");
    std::fs::write(&server_config, "[server.tls]\ngenerate = true\n").unwrap();
    let mut child = Command::new(server_bin())
        .args(["demo", "--listen", &format!("127.0.0.1:{port}"), "--config"])
        .arg(&server_config)
        .arg("--data-dir")
        .arg(&dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut code = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.contains("enrolment code") {
            code = line.split_whitespace().last().map(str::to_owned);
        }
        if line.starts_with("listening on https://") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let kiosk_dir = temp_dir("tls-kiosk");
    std::fs::copy(dir.join("tls/cert.pem"), kiosk_dir.join("office-cert.pem")).unwrap();
    let toml = format!(
        "role = \"ticket-kiosk\"\nname = \"Kiosk TLS\"\ndata_dir = \"state\"\n[server]\nurl = \"https://127.0.0.1:{port}\"\nca_file = \"office-cert.pem\"\n"
    );
    std::fs::write(kiosk_dir.join("kiosk.toml"), &toml).unwrap();
    let config = Config::load(&kiosk_dir.join("kiosk.toml")).expect("the config with ca_file loads");
    let client = config.client();
    let enrolled = client.enrol(&code.expect("the demo printed a code"), "Kiosk TLS").expect("enrol over TLS");
    let client = client.with_token(enrolled.token);
    assert!(!client.services().unwrap().is_empty());
    let ticket = client.issue_ticket("ho-tich", Priority::None, None, "tls-1").unwrap();
    assert!(ticket.number.starts_with('A') || !ticket.number.is_empty());
    // Not pinned: refused (no public roots are trusted on a kiosk either).
    let stranger = kiosk_app::client::Client::new(&format!("https://127.0.0.1:{port}"), Duration::from_secs(2));
    assert!(stranger.health().is_err());
    // A ca_file that is not a certificate is refused when the config loads, naming the field.
    std::fs::write(kiosk_dir.join("office-cert.pem"), "not a certificate").unwrap();
    let err = Config::load(&kiosk_dir.join("kiosk.toml")).unwrap_err().to_string();
    assert!(err.contains("server.ca_file"), "{err}");
    let _ = child.kill();
    let _ = child.wait();
}
