//! The kiosk's physical "take ticket" button and paper-low LED, behind a trait: the real pins through
//! rppal (feature `gpio-rppal`, Raspberry Pi), and a fake for tests and machines without GPIO.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

pub trait Gpio {
    /// Whether the button was pressed since the last call (edge, debounced by the implementation).
    fn take_button_press(&mut self) -> bool;
    fn set_paper_low_led(&mut self, on: bool);
}

/// A fake whose state tests (or the technician screen) can drive and read from another handle.
#[derive(Clone, Default)]
pub struct FakeGpio {
    presses: Arc<AtomicUsize>,
    led: Arc<AtomicBool>,
}

impl FakeGpio {
    pub fn press(&self) {
        self.presses.fetch_add(1, Ordering::SeqCst);
    }

    pub fn paper_low_led(&self) -> bool {
        self.led.load(Ordering::SeqCst)
    }
}

impl Gpio for FakeGpio {
    fn take_button_press(&mut self) -> bool {
        self.presses.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    }

    fn set_paper_low_led(&mut self, on: bool) {
        self.led.store(on, Ordering::SeqCst);
    }
}

#[cfg(feature = "gpio-rppal")]
pub mod pi {
    //! BCM pin numbers; the button pulls the input low (internal pull-up), the LED is active high.
    use std::time::{Duration, Instant};

    use rppal::gpio::{InputPin, Level, OutputPin};

    pub struct PiGpio {
        button: InputPin,
        led: OutputPin,
        last: Level,
        last_change: Instant,
    }

    impl PiGpio {
        pub fn new(button_pin: u8, led_pin: u8) -> rppal::gpio::Result<PiGpio> {
            let gpio = rppal::gpio::Gpio::new()?;
            let button = gpio.get(button_pin)?.into_input_pullup();
            let led = gpio.get(led_pin)?.into_output_low();
            Ok(PiGpio { button, led, last: Level::High, last_change: Instant::now() })
        }
    }

    impl super::Gpio for PiGpio {
        fn take_button_press(&mut self) -> bool {
            let level = self.button.read();
            if level == self.last || self.last_change.elapsed() < Duration::from_millis(50) {
                return false;
            }
            self.last = level;
            self.last_change = Instant::now();
            level == Level::Low
        }

        fn set_paper_low_led(&mut self, on: bool) {
            if on {
                self.led.set_high()
            } else {
                self.led.set_low()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_counts_presses_and_keeps_the_led() {
        let fake = FakeGpio::default();
        let mut gpio: Box<dyn Gpio> = Box::new(fake.clone());
        assert!(!gpio.take_button_press());
        fake.press();
        fake.press();
        assert!(gpio.take_button_press());
        assert!(gpio.take_button_press());
        assert!(!gpio.take_button_press());
        gpio.set_paper_low_led(true);
        assert!(fake.paper_low_led());
    }
}
