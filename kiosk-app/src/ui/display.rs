//! The waiting-room display ([`WaitingRoom`]): who is served where, the last calls, how many wait.

use slint::{ComponentHandle, ModelRc, VecModel};

use super::{App, Controller, CounterRow, WaitingRoom};

impl Controller {
    pub(super) fn show_board(&mut self) {
        let lang = self.state.lang;
        // The live board is kept fresh by its own thread; never wait here while a job holds the backend.
        let Some(board) = self.jobs.try_now(|b| b.board()) else { return };
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
