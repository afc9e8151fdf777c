//! The engine's part of the procedure catalogue: saving entries against the office's services and
//! counters, and checking the procedure a ticket names.

use super::OfficeState;
use crate::event::EventKind;
use crate::office::ServiceCode;
use crate::procedure::{check_import, ProcedureError, ProcedureRecord, MAX_PROCEDURES};

/// Validates every record (all or none) and returns one `procedure_saved` per record that changes
/// something; saving an entry as it is records nothing.
pub(super) fn decide_save(state: &OfficeState, records: &[ProcedureRecord]) -> Result<Vec<EventKind>, ProcedureError> {
    let records = check_import(records.to_vec())?;
    for record in &records {
        if !state.services.contains_key(&record.service) {
            return Err(ProcedureError::UnknownService {
                code: record.code.clone(),
                service: record.service.to_string(),
            });
        }
        for counter in &record.counters {
            let serves = state.counters.get(counter).is_some_and(|c| c.counter.services.contains(&record.service));
            if !serves {
                return Err(ProcedureError::CounterNotServing { code: record.code.clone(), counter: *counter });
            }
        }
    }
    let new = records.iter().filter(|r| !state.procedures.contains_key(&r.code)).count();
    if state.procedures.len() + new > MAX_PROCEDURES {
        return Err(ProcedureError::CatalogueFull);
    }
    Ok(records
        .into_iter()
        .filter(|r| state.procedures.get(&r.code) != Some(r))
        .map(|procedure| EventKind::ProcedureSaved { procedure })
        .collect())
}

/// A ticket may name a procedure only if the catalogue offers it and the ticket's service takes it.
pub(super) fn check_chosen(state: &OfficeState, code: &str, service: &ServiceCode) -> Result<(), ProcedureError> {
    let procedure = state.procedures.get(code).ok_or_else(|| ProcedureError::Unknown(code.to_owned()))?;
    if !procedure.active {
        return Err(ProcedureError::Withdrawn(code.to_owned()));
    }
    if &procedure.service != service {
        return Err(ProcedureError::OtherService { code: code.to_owned(), service: service.to_string() });
    }
    Ok(())
}
