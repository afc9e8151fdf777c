//! What an officer may do to a ticket by its id or number — the one place the rule lives (the
//! `/counters/{n}/…` routes check the counter itself with `Caller::require_counter`). Supervisors and
//! admins act office-wide.
//!
//! | action | an officer may, when the ticket is … |
//! |---|---|
//! | cancel | waiting for a service one of their counters serves (and not held for another counter), or called, served, parked or missed at one of their counters |
//! | unpark | parked at one of their counters |
//! | call to their counter N | waiting for a service counter N serves (or held for N), or parked or missed at one of their counters |

use domain::office::{CounterId, Role};
use domain::queue::{OfficeState, Ticket, TicketStatus};

use crate::auth::Caller;
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Cancel,
    Unpark,
    CallTo(CounterId),
}

pub(crate) fn check(caller: &Caller, state: &OfficeState, ticket: &Ticket, action: Action) -> Result<(), AppError> {
    match caller.role {
        Role::Admin | Role::Supervisor => return Ok(()),
        Role::Officer => {}
        _ => return Err(AppError::Forbidden),
    }
    let mine = |c: CounterId| caller.counters.contains(&c);
    let serves = |c: CounterId| {
        state.counters.get(&c).is_some_and(|cs| cs.counter.services.contains(&ticket.service))
            && ticket.target_counter.is_none_or(|t| t == c)
    };
    let allowed = match (action, &ticket.status) {
        (Action::Cancel, TicketStatus::Waiting) => caller.counters.iter().any(|c| serves(*c)),
        (
            Action::Cancel,
            TicketStatus::Called { counter, .. }
            | TicketStatus::Serving { counter, .. }
            | TicketStatus::Parked { counter, .. }
            | TicketStatus::Missed { counter, .. },
        ) => mine(*counter),
        (Action::Unpark, TicketStatus::Parked { counter, .. }) => mine(*counter),
        (Action::CallTo(to), TicketStatus::Waiting) => mine(to) && serves(to),
        (Action::CallTo(to), TicketStatus::Parked { counter, .. } | TicketStatus::Missed { counter, .. }) => {
            mine(to) && mine(*counter)
        }
        // Anything else is refused by the engine with its own reason (already served, not parked…).
        (_, _) => return Ok(()),
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::bad(
            "not_your_counter",
            format!("{action:?} {}", ticket.label),
            format!("Số {} không thuộc quầy của bạn.", ticket.label),
            format!("Ticket {} is not at your counter.", ticket.label),
        ))
    }
}
