//! Both profiles through a real serial path: `open` on the slave side of a pseudo-terminal, the
//! simulated boards (`sim`) on the master side.

use std::time::Duration;

use counter_devices::sim::{Board, BusSim};
use counter_devices::{open, DeviceError, Frame, Key, KeyPoll, Mode, PortSettings, ProtocolKind};

fn settings(sim: &BusSim) -> PortSettings {
    PortSettings { path: sim.path().to_path_buf(), baud: 9600, reply_timeout: Duration::from_millis(150) }
}

async fn displays_and_keypads(kind: ProtocolKind) {
    let sim = BusSim::start(kind, &[(1, Board::Display), (2, Board::Display), (11, Board::Keypad)]).unwrap();
    let mut bus = open(kind, &settings(&sim)).unwrap();

    bus.show(1, &Frame::new("A025", Mode::Steady)).await.unwrap();
    bus.show(2, &Frame::new("B003", Mode::Blink)).await.unwrap();
    bus.show(1, &Frame::blank()).await.unwrap();
    let shown: Vec<Frame> = sim.shown(1).into_iter().map(|s| s.frame).collect();
    assert_eq!(shown, vec![Frame::new("A025", Mode::Steady), Frame::blank()]);
    assert_eq!(sim.showing(2), Frame::new("B003", Mode::Blink));

    // Presses before the first poll are history, not commands.
    sim.press(11, Key::CallNext);
    assert_eq!(bus.poll_keys(11).await.unwrap(), KeyPoll::default());
    for key in [Key::Digit(3), Key::Transfer, Key::Recall] {
        sim.press(11, key);
    }
    let poll = bus.poll_keys(11).await.unwrap();
    assert_eq!(poll, KeyPoll { keys: vec![Key::Digit(3), Key::Transfer, Key::Recall], lost: 0 });
    assert_eq!(bus.poll_keys(11).await.unwrap(), KeyPoll::default());

    // A display asked for keys (or a keypad shown a frame) refuses; the bus stays usable.
    assert!(matches!(bus.poll_keys(1).await, Err(DeviceError::Refused { address: 1, .. })));
    assert!(matches!(bus.show(11, &Frame::new("1", Mode::Steady)).await, Err(DeviceError::Refused { .. })));

    // A silent board costs one timeout and is not a port failure.
    sim.set_silent(2, true);
    let err = bus.show(2, &Frame::new("B004", Mode::Steady)).await.unwrap_err();
    assert!(matches!(err, DeviceError::NoReply { address: 2, .. }), "{err}");
    assert!(!err.is_port_failure());
    // Nobody at an address: the same.
    assert!(matches!(bus.show(9, &Frame::blank()).await, Err(DeviceError::NoReply { address: 9, .. })));
    sim.set_silent(2, false);
    bus.show(2, &Frame::new("B004", Mode::Steady)).await.unwrap();
    assert_eq!(sim.showing(2), Frame::new("B004", Mode::Steady));
    assert_eq!(sim.garbled(), 0, "every request the server sent was well formed");
}

#[tokio::test]
async fn modbus_rtu_displays_and_keypads() {
    displays_and_keypads(ProtocolKind::ModbusRtu).await;
}

#[tokio::test]
async fn ascii_displays_and_keypads() {
    displays_and_keypads(ProtocolKind::Ascii).await;
}

#[tokio::test]
async fn an_unplugged_adapter_is_a_port_failure() {
    for kind in [ProtocolKind::ModbusRtu, ProtocolKind::Ascii] {
        let sim = BusSim::start(kind, &[(1, Board::Display)]).unwrap();
        let port = settings(&sim);
        let mut bus = open(kind, &port).unwrap();
        bus.show(1, &Frame::new("A1", Mode::Steady)).await.unwrap();
        drop(sim);
        let err = bus.show(1, &Frame::new("A2", Mode::Steady)).await.unwrap_err();
        assert!(err.is_port_failure() || matches!(err, DeviceError::NoReply { .. }), "{kind:?}: {err}");
        let err = open(kind, &port).err().expect("the terminal is gone");
        assert!(matches!(err, DeviceError::Open { .. }), "{err}");
    }
}
