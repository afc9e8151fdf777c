//! The device's TOML configuration (`kiosk-app --config FILE`), validated with messages a technician can act on.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

/// Which of the three applications this device runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceRole {
    TicketKiosk,
    RatingTerminal,
    Display,
}

impl DeviceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceRole::TicketKiosk => "ticket-kiosk",
            DeviceRole::RatingTerminal => "rating-terminal",
            DeviceRole::Display => "display",
        }
    }
}

impl FromStr for DeviceRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ticket-kiosk" | "kiosk" => Ok(DeviceRole::TicketKiosk),
            "rating-terminal" | "rating" => Ok(DeviceRole::RatingTerminal),
            "display" => Ok(DeviceRole::Display),
            other => Err(format!("unknown role {other:?} (ticket-kiosk, rating-terminal, display)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub role: DeviceRole,
    /// Device name shown to the office admin.
    #[serde(default = "default_name")]
    pub name: String,
    pub server: ServerConfig,
    /// Where the token, the SQLite store and logs live.
    pub data_dir: PathBuf,
    #[serde(default)]
    pub printer: Option<PrinterConfig>,
    #[serde(default)]
    pub scanner: Option<ScannerConfig>,
    #[serde(default)]
    pub camera: Option<CameraConfig>,
    #[serde(default)]
    pub gpio: Option<GpioConfig>,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub offline: OfflineConfig,
    /// How a display plays the server's announcements; a display without it stays silent.
    #[serde(default)]
    pub audio: Option<AudioConfig>,
    /// Which counters a display shows and announces (an office with several waiting rooms).
    #[serde(default)]
    pub display: Option<DisplayConfig>,
}

/// `[display]`: the counters of this waiting room; every counter when absent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayConfig {
    pub counters: Vec<u16>,
}

impl Config {
    /// The counters a display shows and announces; `None`: all of them.
    pub fn display_counters(&self) -> Option<Vec<u16>> {
        self.display.as_ref().map(|d| d.counters.clone())
    }
}

fn default_name() -> String {
    "Kiosk".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// `http://HOST:PORT` of the office queue server.
    pub url: String,
    /// One-time enrolment code, used only when no token is stored yet.
    #[serde(default)]
    pub enrolment_code: Option<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// For an `https://` server: its certificate (PEM), the only root this device trusts — the office
    /// server's `tls/cert.pem` (relative to this file).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

fn default_timeout_ms() -> u64 {
    1500
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfig {
    /// `tcp://HOST:PORT`, `/dev/usb/lp0`, `serial:PATH:BAUD` or `file:PATH`.
    pub target: String,
    /// A built-in profile id such as `epson-tm-t20` or `generic-80`.
    #[serde(default = "default_profile")]
    pub profile: String,
    /// `raster`, `cp1258`, `tcvn3` or `ascii`; the profile's own mode when absent.
    #[serde(default)]
    pub text_mode: Option<String>,
}

fn default_profile() -> String {
    "generic-80".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScannerConfig {
    /// `wedge` (keyboard wedge) or `serial:PATH[:BAUD]` (9600 when absent).
    pub source: String,
}

impl ScannerConfig {
    /// The serial port and baud rate of a `serial:` source, read with the same syntax (and parser) as a
    /// serial printer's target; `None` for a keyboard wedge.
    pub fn serial(&self) -> Result<Option<(String, u32)>, String> {
        if self.source == "wedge" {
            return Ok(None);
        }
        match self.source.parse::<printer::Target>() {
            Ok(printer::Target::Serial { path, baud }) if self.source.starts_with("serial:") => Ok(Some((path, baud))),
            Ok(_) => Err(format!("{:?}: use \"wedge\" or \"serial:PATH:BAUD\"", self.source)),
            Err(e) => Err(format!("{:?}: {e}", self.source)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraConfig {
    /// `/dev/videoN` or a directory of image files (tests).
    pub device: String,
}

/// Where camera frames come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraSource {
    /// A V4L2 camera, `/dev/videoN` (needs the `camera` feature).
    V4l2(u32),
    /// Image files replayed as frames (tests, demos).
    Folder(PathBuf),
}

impl CameraConfig {
    pub fn source(&self) -> Result<CameraSource, String> {
        if let Some(rest) = self.device.strip_prefix("/dev/") {
            return rest
                .strip_prefix("video")
                .and_then(|n| n.parse::<u32>().ok())
                .map(CameraSource::V4l2)
                .ok_or_else(|| format!("{:?}: use /dev/videoN or a folder of images", self.device));
        }
        if self.device.trim().is_empty() {
            return Err("empty: use /dev/videoN or a folder of images".into());
        }
        Ok(CameraSource::Folder(PathBuf::from(&self.device)))
    }
}

/// The physical "take ticket" button and the paper-low LED (BCM pin numbers; needs feature `gpio-rppal`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpioConfig {
    pub button_pin: u8,
    pub paper_low_led_pin: u8,
    /// Service a press takes a regular ticket for; the service list opens when absent.
    #[serde(default)]
    pub button_service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// `vi` (default) or `en`.
    pub language: String,
    /// `WIDTHxHEIGHT`, e.g. `1080x1920`.
    pub size: String,
    pub fullscreen: bool,
    /// Back to the home screen after this long without a touch.
    pub idle_timeout_s: u32,
    /// PIN of the hidden technician screen.
    pub technician_pin: String,
    /// Office name shown on screens and tickets.
    pub office_name: String,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            language: "vi".into(),
            size: "1080x1920".into(),
            fullscreen: true,
            idle_timeout_s: 60,
            technician_pin: "2468".into(),
            office_name: "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfflineConfig {
    /// Numbers requested per lease.
    pub lease_size: u32,
    /// A new lease is requested when fewer numbers than this are left.
    pub lease_low_water: u32,
}

impl Default for OfflineConfig {
    fn default() -> Self {
        OfflineConfig { lease_size: 30, lease_low_water: 10 }
    }
}

/// The display's announcements (`[audio]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AudioConfig {
    /// `alsa` (the ALSA device `default`), `alsa:DEVICE`, `wav:DIR` or `none`; see [`SinkSpec`].
    pub sink: String,
    /// An announcement that has waited longer than this (a burst of calls, a reconnect backlog) is
    /// skipped rather than played late.
    pub stale_after_s: u32,
}

impl Default for AudioConfig {
    fn default() -> Self {
        AudioConfig { sink: "alsa".into(), stale_after_s: 60 }
    }
}

impl AudioConfig {
    pub fn sink_spec(&self) -> Result<SinkSpec, String> {
        self.sink.parse()
    }
}

/// Where announcements are played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkSpec {
    /// An ALSA PCM device by name (`default`, `plughw:1,0`, `hdmi:CARD=vc4hdmi0`…); needs `audio-alsa`.
    Alsa { device: String },
    /// Numbered WAV files in a directory, written at the pace of real playback.
    WavDir(PathBuf),
    /// Announcements are not played.
    None,
}

impl FromStr for SinkSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s == "none" {
            return Ok(SinkSpec::None);
        }
        if s == "alsa" {
            return Ok(SinkSpec::Alsa { device: "default".into() });
        }
        if let Some(device) = s.strip_prefix("alsa:") {
            if device.trim().is_empty() {
                return Err("\"alsa:\" needs a device name, e.g. \"alsa:plughw:1,0\"".into());
            }
            return Ok(SinkSpec::Alsa { device: device.trim().to_owned() });
        }
        if let Some(dir) = s.strip_prefix("wav:") {
            if dir.trim().is_empty() {
                return Err("\"wav:\" needs a directory".into());
            }
            return Ok(SinkSpec::WavDir(PathBuf::from(dir.trim())));
        }
        Err(format!("{s:?}: use \"alsa\", \"alsa:DEVICE\", \"wav:DIR\" or \"none\""))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path}: {field}: {message}")]
    Invalid { path: PathBuf, field: &'static str, message: String },
}

/// A screen size `WxH`.
pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s.trim().split_once(['x', 'X']).ok_or_else(|| format!("{s:?} is not WIDTHxHEIGHT"))?;
    let w: u32 = w.parse().map_err(|_| format!("width in {s:?} is not a number"))?;
    let h: u32 = h.parse().map_err(|_| format!("height in {s:?} is not a number"))?;
    if !(320..=7680).contains(&w) || !(240..=7680).contains(&h) {
        return Err(format!("{s:?} is outside 320x240 … 7680x7680"));
    }
    Ok((w, h))
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string() })?;
        if let Some(parent) = path.parent() {
            if config.data_dir.is_relative() {
                config.data_dir = parent.join(&config.data_dir);
            }
            // A relative WAV directory is next to the file too, whatever the working directory.
            if let Some(audio) = &mut config.audio {
                if let Ok(SinkSpec::WavDir(dir)) = audio.sink_spec() {
                    if dir.is_relative() {
                        audio.sink = format!("wav:{}", parent.join(dir).display());
                    }
                }
            }
            if let Some(ca) = &mut config.server.ca_file {
                if ca.is_relative() {
                    *ca = parent.join(&*ca);
                }
            }
            // So is a folder of recorded camera frames.
            if let Some(camera) = &mut config.camera {
                if let Ok(CameraSource::Folder(dir)) = camera.source() {
                    if dir.is_relative() {
                        camera.device = parent.join(dir).display().to_string();
                    }
                }
            }
        }
        config.validate().map_err(|(field, message)| ConfigError::Invalid { path: path.into(), field, message })?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        let url = self.server.url.trim();
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .ok_or(("server.url", format!("{url:?} must start with http:// or https://")))?;
        if rest.trim_end_matches('/').is_empty() || rest.contains(' ') {
            return Err(("server.url", format!("{url:?} has no host")));
        }
        if let Some(ca) = &self.server.ca_file {
            let pem = std::fs::read(ca).map_err(|e| ("server.ca_file", format!("{}: {e}", ca.display())))?;
            let is_pem = String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----");
            if !is_pem || reqwest::Certificate::from_pem(&pem).is_err() {
                return Err(("server.ca_file", format!("{}: not a PEM certificate", ca.display())));
            }
            if url.starts_with("http://") {
                return Err(("server.ca_file", "is given but server.url is http://; use https://".into()));
            }
        }
        if !(100..=60_000).contains(&self.server.timeout_ms) {
            return Err(("server.timeout_ms", "must be 100–60000".into()));
        }
        if let Some(code) = &self.server.enrolment_code {
            if code.trim().is_empty() {
                return Err(("server.enrolment_code", "is empty; remove it or paste the code".into()));
            }
        }
        if let Some(p) = &self.printer {
            p.target.parse::<printer::Target>().map_err(|e| ("printer.target", e.to_string()))?;
            let profiles = printer::ProfileSet::builtin();
            let profile = profiles.get(&p.profile).map_err(|_| {
                ("printer.profile", format!("unknown profile {:?} (one of {})", p.profile, profiles.ids().join(", ")))
            })?;
            if let Some(mode) = &p.text_mode {
                let mode: printer::TextMode = mode.parse().map_err(|e: String| ("printer.text_mode", e))?;
                if !profile.supports(mode) {
                    return Err(("printer.text_mode", format!("profile {} cannot print {mode}", profile.id)));
                }
            }
            if self.role != DeviceRole::TicketKiosk {
                return Err(("printer", "only a ticket kiosk has a printer".into()));
            }
        }
        if let Some(s) = &self.scanner {
            s.serial().map_err(|e| ("scanner.source", e))?;
        }
        if let Some(c) = &self.camera {
            c.source().map_err(|e| ("camera.device", e))?;
        }
        if let Some(g) = &self.gpio {
            if g.button_pin > 27 || g.paper_low_led_pin > 27 || g.button_pin == g.paper_low_led_pin {
                return Err(("gpio", "pins are two different BCM numbers 0–27".into()));
            }
            if self.role != DeviceRole::TicketKiosk {
                return Err(("gpio", "only a ticket kiosk has a button and a paper LED".into()));
            }
        }
        if !matches!(self.ui.language.as_str(), "vi" | "en") {
            return Err(("ui.language", format!("{:?}: use \"vi\" or \"en\"", self.ui.language)));
        }
        parse_size(&self.ui.size).map_err(|e| ("ui.size", e))?;
        if !(10..=3600).contains(&self.ui.idle_timeout_s) {
            return Err(("ui.idle_timeout_s", "must be 10–3600 seconds".into()));
        }
        let pin = &self.ui.technician_pin;
        if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(("ui.technician_pin", "must be 4–8 digits".into()));
        }
        if let Some(audio) = &self.audio {
            audio.sink_spec().map_err(|e| ("audio.sink", e))?;
            if !(5..=3600).contains(&audio.stale_after_s) {
                return Err(("audio.stale_after_s", "must be 5–3600 seconds".into()));
            }
            if self.role != DeviceRole::Display {
                return Err(("audio", "only a display plays announcements".into()));
            }
        }
        if let Some(display) = &self.display {
            let mut seen = std::collections::HashSet::new();
            if display.counters.is_empty() || !display.counters.iter().all(|c| *c >= 1 && seen.insert(*c)) {
                return Err(("display.counters", "a list of different counter numbers, e.g. [1, 2, 3]".into()));
            }
            if self.role != DeviceRole::Display {
                return Err(("display", "only a display has a waiting room to show".into()));
            }
        }
        if self.offline.lease_size == 0 || self.offline.lease_size > 200 {
            return Err(("offline.lease_size", "must be 1–200".into()));
        }
        if self.offline.lease_low_water >= self.offline.lease_size {
            return Err(("offline.lease_low_water", "must be smaller than offline.lease_size".into()));
        }
        Ok(())
    }

    pub fn screen_size(&self) -> (u32, u32) {
        parse_size(&self.ui.size).unwrap_or((1080, 1920))
    }

    /// The queue-server client for this device (pinned to `server.ca_file` when given).
    pub fn client(&self) -> crate::client::Client {
        let ca = self.server.ca_file.as_ref().and_then(|p| std::fs::read(p).ok());
        crate::client::Client::pinned(
            self.server_url(),
            std::time::Duration::from_millis(self.server.timeout_ms),
            ca.as_deref(),
        )
    }

    pub fn server_url(&self) -> &str {
        self.server.url.trim().trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
role = "ticket-kiosk"
data_dir = "/var/lib/kiosk"
[server]
url = "http://192.0.2.1:8080"
enrolment_code = "ABCD-EFGH"
[printer]
target = "tcp://127.0.0.1:9100"
profile = "epson-tm-t20"
text_mode = "cp1258"
[ui]
size = "1920x1080"
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/kiosk/kiosk.toml"))
    }

    #[test]
    fn good_config_parses_with_defaults() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.role, DeviceRole::TicketKiosk);
        assert_eq!(c.ui.language, "vi");
        assert_eq!(c.screen_size(), (1920, 1080));
        assert_eq!(c.offline.lease_size, 30);
    }

    #[test]
    fn the_example_file_is_valid() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk.example.toml"));
        let c = Config::load(path).unwrap();
        assert_eq!(c.gpio.as_ref().unwrap().button_service.as_deref(), Some("khai-sinh"));
        assert_eq!(c.printer.as_ref().unwrap().profile, "epson-tm-t20");
    }

    const DISPLAY: &str = r#"
role = "display"
data_dir = "/var/lib/kiosk"
[server]
url = "http://192.0.2.1:8080"
"#;

    #[test]
    fn camera_sources() {
        let camera = |d: &str| parse(&format!("{GOOD}[camera]\ndevice = {d:?}\n")).unwrap().camera.unwrap().source();
        assert_eq!(camera("/dev/video2"), Ok(CameraSource::V4l2(2)));
        assert_eq!(camera("frames"), Ok(CameraSource::Folder("/etc/kiosk/frames".into())), "next to the file");
        assert_eq!(camera("/srv/frames"), Ok(CameraSource::Folder("/srv/frames".into())));
    }

    #[test]
    fn a_display_can_show_some_counters() {
        assert_eq!(parse(DISPLAY).unwrap().display_counters(), None);
        let room = parse(&format!("{DISPLAY}[display]\ncounters = [4, 5, 6]\n")).unwrap();
        assert_eq!(room.display_counters(), Some(vec![4, 5, 6]));
    }

    /// A commented-out section of the example (the example is a ticket kiosk), uncommented.
    fn example_block(header: &str) -> Vec<String> {
        let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk.example.toml")).unwrap();
        example
            .lines()
            .skip_while(|l| *l != format!("# {header}"))
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_example_display_sections_are_valid_on_a_display() {
        let audio = example_block("[audio]");
        assert_eq!(audio, ["[audio]", "sink = \"alsa\"", "stale_after_s = 60"]);
        let display = example_block("[display]");
        assert_eq!(display, ["[display]", "counters = [1, 2, 3]"]);
        let c = parse(&format!("{DISPLAY}{}\n{}\n", audio.join("\n"), display.join("\n"))).unwrap();
        let audio = c.audio.as_ref().unwrap();
        assert_eq!(audio.sink_spec(), Ok(SinkSpec::Alsa { device: "default".into() }));
        assert_eq!(audio.stale_after_s, 60);
        assert_eq!(c.display_counters(), Some(vec![1, 2, 3]));
    }

    #[test]
    fn audio_sinks_parse() {
        let sink = |s: &str| parse(&format!("{DISPLAY}[audio]\nsink = {s:?}\n")).unwrap().audio.unwrap().sink_spec();
        assert_eq!(sink("alsa:plughw:1,0"), Ok(SinkSpec::Alsa { device: "plughw:1,0".into() }));
        assert_eq!(sink("none"), Ok(SinkSpec::None));
        assert_eq!(sink("wav:/srv/played"), Ok(SinkSpec::WavDir("/srv/played".into())));
        // Relative to the config file, like data_dir.
        assert_eq!(sink("wav:played"), Ok(SinkSpec::WavDir("/etc/kiosk/played".into())));
        let empty = parse(&format!("{DISPLAY}[audio]\n")).unwrap().audio.unwrap();
        assert_eq!(empty, AudioConfig { sink: "alsa".into(), stale_after_s: 60 });
        assert_eq!(parse(DISPLAY).unwrap().audio, None);
    }

    #[test]
    fn relative_data_dir_is_next_to_the_file() {
        let c = parse(&GOOD.replace("/var/lib/kiosk", "state")).unwrap();
        assert_eq!(c.data_dir, Path::new("/etc/kiosk/state"));
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (GOOD.replace("http://192", "ftp://192"), "server.url"),
            (GOOD.replace("tcp://127.0.0.1:9100", "lpt1"), "printer.target"),
            (GOOD.replace("epson-tm-t20", "nope"), "printer.profile"),
            (GOOD.replace("cp1258", "utf8"), "printer.text_mode"),
            (GOOD.replace("1920x1080", "big"), "ui.size"),
            (format!("{GOOD}language = \"fr\"\n"), "ui.language"),
            (format!("{GOOD}technician_pin = \"12\"\n"), "ui.technician_pin"),
            (GOOD.replace("ticket-kiosk", "display"), "printer"),
            (format!("{DISPLAY}[audio]\nsink = \"pulse\"\n"), "audio.sink"),
            (format!("{DISPLAY}[audio]\nsink = \"alsa:\"\n"), "audio.sink"),
            (format!("{DISPLAY}[audio]\nsink = \"wav: \"\n"), "audio.sink"),
            (format!("{DISPLAY}[audio]\nstale_after_s = 0\n"), "audio.stale_after_s"),
            (format!("{DISPLAY}[audio]\nstale_after_s = 86400\n"), "audio.stale_after_s"),
            (format!("{}[audio]\nsink = \"none\"\n", DISPLAY.replace("display", "rating-terminal")), "audio"),
            (format!("{GOOD}[scanner]\nsource = \"usb\"\n"), "scanner.source"),
            (format!("{GOOD}[scanner]\nsource = \"serial:\"\n"), "scanner.source"),
            (format!("{GOOD}[scanner]\nsource = \"serial:/dev/ttyACM0:12\"\n"), "scanner.source"),
            (format!("{GOOD}[camera]\ndevice = \"/dev/ttyUSB0\"\n"), "camera.device"),
            (format!("{GOOD}[camera]\ndevice = \"\"\n"), "camera.device"),
            (format!("{DISPLAY}[display]\ncounters = []\n"), "display.counters"),
            (format!("{DISPLAY}[display]\ncounters = [1, 2, 1]\n"), "display.counters"),
            (format!("{DISPLAY}[display]\ncounters = [0]\n"), "display.counters"),
            (format!("{}[display]\ncounters = [1]\n", DISPLAY.replace("display", "rating-terminal")), "display"),
        ];
        for (text, field) in cases {
            match parse(&text) {
                Err(ConfigError::Invalid { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{field}: expected Invalid, got {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_keys_and_roles_are_refused() {
        assert!(matches!(parse(&GOOD.replace("role =", "rol =")), Err(ConfigError::Parse { .. })));
        assert!(matches!(parse(&GOOD.replace("ticket-kiosk", "toaster")), Err(ConfigError::Parse { .. })));
        let e = parse(&GOOD.replace("role =", "rol =")).unwrap_err().to_string();
        assert!(e.contains("kiosk.toml"), "{e}");
    }
}
