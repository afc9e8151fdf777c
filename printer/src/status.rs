//! Printer status from the real-time `DLE EOT n` answers.
//!
//! | n | answer bits used (Epson) |
//! |---|---|
//! | 1 printer | bit 3: offline |
//! | 2 offline cause | bit 2: cover open, bit 3: paper being fed by button, bit 5: stopped by paper end, bit 6: error |
//! | 3 error cause | bit 2: mechanical error, bit 3: auto-cutter error, bit 5: unrecoverable error, bit 6: auto-recoverable error |
//! | 4 paper sensor | bits 2–3: paper near end, bits 5–6: paper out |
//!
//! Every valid answer has bit 1 and bit 4 set and bits 0 and 7 clear; anything else is treated as no
//! answer. A printer that does not answer is [`PrinterState::Unknown`], never ready.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The typed state a kiosk acts on. Ordered by how much it blocks printing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    Ready,
    /// Prints, but the roll will run out soon.
    PaperNearEnd,
    Offline,
    CoverOpen,
    PaperOut,
    Error,
    /// No (valid) answer: the printer may be off, unplugged, or not support status.
    Unknown,
}

impl PrinterState {
    /// Every state a printer can answer with (all but `Unknown`).
    pub const ANSWERED: [PrinterState; 6] = [
        PrinterState::Ready,
        PrinterState::PaperNearEnd,
        PrinterState::Offline,
        PrinterState::CoverOpen,
        PrinterState::PaperOut,
        PrinterState::Error,
    ];

    /// Whether a ticket can be printed now.
    pub fn can_print(self) -> bool {
        matches!(self, PrinterState::Ready | PrinterState::PaperNearEnd)
    }
    pub fn name(self) -> &'static str {
        match self {
            PrinterState::Ready => "ready",
            PrinterState::PaperNearEnd => "paper_near_end",
            PrinterState::Offline => "offline",
            PrinterState::CoverOpen => "cover_open",
            PrinterState::PaperOut => "paper_out",
            PrinterState::Error => "error",
            PrinterState::Unknown => "unknown",
        }
    }
    /// Vietnamese text for the kiosk screen and staff.
    pub fn label_vi(self) -> &'static str {
        match self {
            PrinterState::Ready => "Máy in sẵn sàng",
            PrinterState::PaperNearEnd => "Máy in sắp hết giấy",
            PrinterState::Offline => "Máy in đang ngoại tuyến",
            PrinterState::CoverOpen => "Nắp máy in đang mở",
            PrinterState::PaperOut => "Máy in hết giấy",
            PrinterState::Error => "Máy in bị lỗi",
            PrinterState::Unknown => "Không xác định được trạng thái máy in",
        }
    }
    /// English text for the kiosk screen and staff.
    pub fn label_en(self) -> &'static str {
        match self {
            PrinterState::Ready => "ready",
            PrinterState::PaperNearEnd => "paper nearly out",
            PrinterState::Offline => "offline",
            PrinterState::CoverOpen => "cover open",
            PrinterState::PaperOut => "out of paper",
            PrinterState::Error => "printer error",
            PrinterState::Unknown => "state unknown (no answer)",
        }
    }
}

impl fmt::Display for PrinterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The raw answers (`None` = no valid answer) and the state derived from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// Answers to `DLE EOT 1`, `2`, `3`, `4`.
    pub raw: [Option<u8>; 4],
    pub state: PrinterState,
}

/// Whether a byte has the fixed bits of a `DLE EOT` answer.
pub fn is_status_byte(b: u8) -> bool {
    b & 0b1001_0011 == 0b0001_0010
}

impl StatusReport {
    /// Derives the state from the four answers.
    pub fn from_raw(raw: [Option<u8>; 4]) -> StatusReport {
        let valid = raw.map(|b| b.filter(|b| is_status_byte(*b)));
        let state = match valid {
            [Some(p), Some(off), Some(err), Some(paper)] => {
                if paper & 0x60 != 0 || off & 0x20 != 0 {
                    PrinterState::PaperOut
                } else if off & 0x04 != 0 {
                    PrinterState::CoverOpen
                } else if off & 0x40 != 0 || err & 0x6C != 0 {
                    PrinterState::Error
                } else if p & 0x08 != 0 {
                    PrinterState::Offline
                } else if paper & 0x0C != 0 {
                    PrinterState::PaperNearEnd
                } else {
                    PrinterState::Ready
                }
            }
            _ => PrinterState::Unknown,
        };
        StatusReport { raw: valid, state }
    }

    /// A report for a printer that did not answer at all.
    pub fn unknown() -> StatusReport {
        StatusReport { raw: [None; 4], state: PrinterState::Unknown }
    }
}

/// The four answers a printer in `state` gives (used by the virtual printer and tests).
pub fn answers_for(state: PrinterState) -> Option<[u8; 4]> {
    let base = 0x12;
    Some(match state {
        PrinterState::Ready => [base, base, base, base],
        PrinterState::PaperNearEnd => [base, base, base, base | 0x0C],
        PrinterState::Offline => [base | 0x08, base, base, base],
        PrinterState::CoverOpen => [base | 0x08, base | 0x04, base, base],
        PrinterState::PaperOut => [base | 0x08, base | 0x20, base, base | 0x6C],
        PrinterState::Error => [base | 0x08, base | 0x40, base | 0x08, base],
        PrinterState::Unknown => return None,
    })
}
