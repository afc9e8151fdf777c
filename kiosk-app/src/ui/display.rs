//! The waiting-room display ([`WaitingRoom`]): who is served where, the last calls, how many wait.
//!
//! On a device the board comes from a [`crate::board::BoardFeed`], read without the backend's lock at
//! every 20 ms poll and drawn only when its generation moved: a call reaches the screen one live event,
//! one fetch and at most one poll after the officer's click.

use slint::{ComponentHandle, ModelRc, VecModel};

use super::{App, Board, Controller, CounterRow, Page, WaitingRoom};

impl Controller {
    /// Draws the board now (on entering the display page and every second).
    pub(super) fn show_board(&mut self) {
        if let Some(feed) = self.board_feed() {
            let snapshot = feed.snapshot();
            self.board_drawn = Some(snapshot.generation);
            self.draw_board(&snapshot.board);
            return;
        }
        // A canned backend: never wait here while a job holds it.
        let Some(board) = self.jobs.try_now(|b| b.board()) else { return };
        self.draw_board(&board);
    }

    /// Redraws the board when its feed says it changed (called from [`Controller::poll`]).
    pub(super) fn follow_board(&mut self) {
        if self.ui().global::<App>().get_page() != Page::Display {
            return;
        }
        let Some(feed) = self.board_feed() else { return };
        if Some(feed.generation()) != self.board_drawn {
            self.show_board();
        }
    }

    /// The backend's feed, asked for once (when the backend is free).
    pub(super) fn board_feed(&mut self) -> Option<crate::board::BoardFeed> {
        if self.board_feed.is_none() {
            self.board_feed = self.jobs.try_now(|b| b.board_feed());
        }
        self.board_feed.clone().flatten()
    }

    fn draw_board(&mut self, board: &Board) {
        let lang = self.state.lang;
        let ui = self.ui();
        if !board.office.is_empty() {
            ui.global::<App>().set_office_name(board.office.clone().into());
        }
        let g = ui.global::<WaitingRoom>();
        g.set_notice(board.notice.get(lang).into());
        g.set_waiting_total(board.waiting as i32);
        let serving: Vec<CounterRow> = board
            .serving
            .iter()
            .map(|(c, n, s)| CounterRow { counter: c.into(), number: n.into(), service: s.get(lang).into() })
            .collect();
        g.set_serving(ModelRc::new(VecModel::from(serving)));
        let recent: Vec<CounterRow> = board
            .recent
            .iter()
            .map(|(n, c)| CounterRow { counter: c.into(), number: n.into(), service: "".into() })
            .collect();
        g.set_recent_calls(ModelRc::new(VecModel::from(recent)));
    }
}
