//! Playback on an ALSA PCM device (feature `audio-alsa`, links libasound).

use ::alsa::pcm::{Access, Format, HwParams, State, PCM};
use ::alsa::{Direction, ValueOr};

use super::{AudioError, AudioSink, Clip};

/// Plays each clip on the named device and returns once the device has played it out (`snd_pcm_drain`).
///
/// The device is opened for each clip and closed after it, so a speaker or HDMI screen that was off
/// or unplugged at start-up is used as soon as it is back, and other programs can use it in between.
pub struct AlsaSink {
    device: String,
}

impl AlsaSink {
    /// Checks that the device opens for playback now; an error here is worth telling at start-up, but
    /// the sink still works once the device appears.
    pub fn open(device: &str) -> Result<AlsaSink, AudioError> {
        let sink = AlsaSink { device: device.to_owned() };
        sink.pcm()?;
        Ok(sink)
    }

    /// A sink that does not check the device first.
    pub fn unchecked(device: &str) -> AlsaSink {
        AlsaSink { device: device.to_owned() }
    }

    fn fail(&self, action: &'static str) -> impl FnOnce(::alsa::Error) -> AudioError + '_ {
        move |source| AudioError::Alsa { device: self.device.clone(), action, source }
    }

    fn pcm(&self) -> Result<PCM, AudioError> {
        PCM::new(&self.device, Direction::Playback, false).map_err(self.fail("opening for playback"))
    }
}

impl AudioSink for AlsaSink {
    fn play(&mut self, clip: &Clip) -> Result<(), AudioError> {
        let pcm = self.pcm()?;
        let (rate, channels) = {
            let hw = HwParams::any(&pcm).map_err(self.fail("reading hardware parameters"))?;
            hw.set_access(Access::RWInterleaved).map_err(self.fail("setting interleaved access"))?;
            hw.set_format(Format::s16()).map_err(self.fail("setting 16-bit samples"))?;
            // A raw `hw:` device may only take, say, 48 kHz stereo: take what it offers and convert.
            let channels = hw.set_channels_near(u32::from(clip.channels)).map_err(self.fail("setting channels"))?;
            let rate = hw.set_rate_near(clip.rate, ValueOr::Nearest).map_err(self.fail("setting the rate"))?;
            pcm.hw_params(&hw).map_err(self.fail("applying hardware parameters"))?;
            (rate, u16::try_from(channels).unwrap_or(2))
        };
        let clip = clip.converted(rate, channels);
        let io = pcm.io_i16().map_err(self.fail("preparing to write"))?;
        let mut rest = &clip.samples[..];
        while !rest.is_empty() {
            match io.writei(rest) {
                Ok(frames) => rest = &rest[frames * usize::from(channels)..],
                // An underrun (the thread was not scheduled in time): recover and go on writing.
                Err(e) => pcm.try_recover(e, true).map_err(self.fail("recovering from an underrun"))?,
            }
        }
        // A clip shorter than the start threshold has not started by itself.
        if pcm.state() == State::Prepared {
            pcm.start().map_err(self.fail("starting playback"))?;
        }
        pcm.drain().map_err(self.fail("playing to the end"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_device_is_named_in_the_error() {
        let e = AlsaSink::open("no-such-device-here").err().expect("unknown device refused").to_string();
        assert!(e.contains("no-such-device-here") && e.contains("opening for playback"), "{e}");
    }

    /// alsa-lib's `null` device (in its default configuration) takes the clip through the whole path:
    /// hardware parameters, conversion, writing and draining.
    #[test]
    fn a_clip_plays_through_the_null_device() {
        let clip = Clip { rate: 16_000, channels: 1, samples: vec![1000; 1600] };
        let mut sink = AlsaSink::open("null").expect("the null device opens");
        sink.play(&clip).expect("plays");
        sink.play(&Clip { samples: vec![5; 3], ..clip }).expect("a clip shorter than a period plays too");
    }
}
