//! What the kiosk keeps to go on working offline besides numbers: the procedure catalogue (searched
//! locally with the domain's diacritic-free matching when the server is away) and the indicator set's
//! rating questions per stage (the built-in set's before the server has ever answered).

use domain::api::{ProcedureList, ProcedureView, QuestionsView, RatingStatusView};
use domain::office::Stage;
use domain::rating::IndicatorSet;

use super::*;

/// Most procedures the server lists in one answer (`GET /api/v1/procedures?limit=`).
const SERVER_PAGE: usize = 200;

/// A procedure search and where its answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureAnswer {
    pub list: ProcedureList,
    /// Answered from the catalogue kept in the store (the server could not be reached).
    pub cached: bool,
}

/// A search of a kept catalogue, as the server searches its own: active procedures in `field` (its
/// Vietnamese name, without diacritics) whose code, names or field hold every word of `query`, by field
/// then name, at most `limit`.
pub fn search_list(all: &ProcedureList, query: &str, field: Option<&str>, limit: usize) -> ProcedureList {
    let mut matches: Vec<&ProcedureView> = all
        .procedures
        .iter()
        .filter(|p| p.active)
        .filter(|p| field.is_none_or(|f| p.in_field(f)))
        .filter(|p| p.matches(query))
        .collect();
    matches.sort_by_cached_key(|p| p.sort_key());
    ProcedureList {
        total: matches.len(),
        procedures: matches.into_iter().take(limit).cloned().collect(),
        fields: all.fields.clone(),
    }
}

fn questions_key(stage: Option<Stage>) -> String {
    let stage = match stage {
        None => "all",
        Some(Stage::Reception) => "reception",
        Some(Stage::Processing) => "processing",
        Some(Stage::ResultReturn) => "result_return",
    };
    format!("{QUESTIONS_KEY}:{stage}")
}

impl Core {
    /// Fetches the whole catalogue and keeps it in the store: in one answer when it fits, else field by
    /// field (a field of more than 200 procedures is kept in part). Returns how many were kept.
    pub fn refresh_catalogue(&mut self) -> Result<usize> {
        let r = self.client.procedures("", None, SERVER_PAGE);
        let mut list = self.note(r)?;
        if list.total > list.procedures.len() {
            list.procedures.clear();
            for field in list.fields.clone() {
                let r = self.client.procedures("", Some(&field.vi), SERVER_PAGE);
                list.procedures.extend(self.note(r)?.procedures);
            }
        }
        list.total = list.procedures.len();
        let json = serde_json::to_string(&list).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.store.put(CATALOGUE_KEY, &json)?;
        Ok(list.total)
    }

    /// Keeps the catalogue fresh for offline searches: refreshed at most every ten minutes; one the
    /// server cannot give now is tried again on the next call. Whether it was refreshed.
    pub fn refresh_catalogue_if_due(&mut self) -> bool {
        if self.catalogue_at.is_some_and(|at| at.elapsed() < CATALOGUE_EVERY) {
            return false;
        }
        let done = self.refresh_catalogue().is_ok();
        if done {
            self.catalogue_at = Some(std::time::Instant::now());
        }
        done
    }

    /// The catalogue last kept, if any.
    pub fn cached_catalogue(&self) -> Result<Option<ProcedureList>> {
        match self.store.get(CATALOGUE_KEY)? {
            Some(json) => Ok(Some(serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?)),
            None => Ok(None),
        }
    }

    /// Procedures matching `query` (with or without diacritics, NFC or NFD) in `field`: the server's
    /// answer, or the kept catalogue's when the server cannot be reached.
    pub fn search_procedures(&mut self, query: &str, field: Option<&str>) -> Result<ProcedureAnswer> {
        let r = self.client.procedures(query, field, PROCEDURE_PAGE);
        match self.note(r) {
            Ok(list) => Ok(ProcedureAnswer { list, cached: false }),
            Err(e) if e.is_offline() => match self.cached_catalogue()? {
                Some(all) => {
                    Ok(ProcedureAnswer { list: search_list(&all, query, field, PROCEDURE_PAGE), cached: true })
                }
                None => Err(e.into()),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// The questions a citizen answers at `stage`, each with its own options: the server's (kept for
    /// offline ratings), else the last kept, else the built-in indicator set's. A rating is checked
    /// against the office's set when it reaches the server, so a stale copy never records wrong points.
    pub fn rating_questions(&mut self, stage: Option<Stage>) -> Result<QuestionsView> {
        let key = questions_key(stage);
        let r = self.client.rating_questions(stage);
        match self.note(r) {
            Ok(q) => {
                let json = serde_json::to_string(&q).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                self.store.put(&key, &json)?;
                Ok(q)
            }
            Err(_) => {
                let kept = self.store.get(&key)?.and_then(|json| serde_json::from_str(&json).ok());
                Ok(kept.unwrap_or_else(|| QuestionsView::of(&IndicatorSet::builtin(), stage)))
            }
        }
    }

    /// Whether the server would take a rating of a ticket, or of a dossier with its proof, now (asked
    /// before the questions); `None` when it cannot say — unreachable (the rating is queued and checked
    /// on upload) or a server without the question.
    pub fn rating_status(&mut self, query: &domain::api::RatingStatusQuery) -> Result<Option<RatingStatusView>> {
        let r = self.client.rating_status(query);
        match self.note(r) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_offline() => Ok(None),
            Err(ClientError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::office::ServiceCode;
    use domain::procedure::{ProcedureFee, TimeLimit};

    fn view(code: &str, name: &str, field: &str, active: bool) -> ProcedureView {
        ProcedureView {
            code: code.into(),
            name: Localized::new(name, ""),
            field: Localized::new(field, ""),
            time_limit: Some(TimeLimit::WorkingDays(0)),
            time_limit_text: Some(TimeLimit::WorkingDays(0).describe()),
            fees: vec![ProcedureFee { name: Localized::new("Lệ phí", "Fee"), amount_vnd: 2000 }],
            papers: vec![],
            service: ServiceCode::new("ho-tich").unwrap(),
            service_name: Localized::new("Hộ tịch", "Civil status"),
            letter: 'A',
            service_open: true,
            counters: vec![1],
            active,
        }
    }

    fn catalogue() -> ProcedureList {
        let procedures = vec![
            view("2.000528", "Chứng thực bản sao từ bản chính", "Chứng thực", true),
            view("1.001193", "Đăng ký khai sinh", "Hộ tịch", true),
            view("1.000894", "Đăng ký kết hôn", "Hộ tịch", true),
            view("1.000001", "Đăng ký khai sinh lưu động", "Hộ tịch", false),
        ];
        let fields = vec![Localized::new("Chứng thực", ""), Localized::new("Hộ tịch", "")];
        ProcedureList { total: procedures.len(), procedures, fields }
    }

    fn codes(l: &ProcedureList) -> Vec<&str> {
        l.procedures.iter().map(|p| p.code.as_str()).collect()
    }

    /// Offline search finds what the server would: without diacritics, in NFD, by field, never a
    /// withdrawn procedure, by field then name.
    #[test]
    fn a_kept_catalogue_is_searched_like_the_servers() {
        let all = catalogue();
        assert_eq!(codes(&search_list(&all, "khai sinh", None, 50)), ["1.001193"]);
        let nfd = nfd_of("đăng ký");
        assert_eq!(codes(&search_list(&all, &nfd, None, 50)), ["1.000894", "1.001193"]);
        assert_eq!(codes(&search_list(&all, "", Some("ho tich"), 50)), ["1.000894", "1.001193"]);
        assert_eq!(codes(&search_list(&all, "", None, 50)), ["2.000528", "1.000894", "1.001193"]);
        assert_eq!(codes(&search_list(&all, "", None, 1)), ["2.000528"]);
        assert_eq!(search_list(&all, "", None, 1).total, 3);
        assert!(search_list(&all, "dat dai", None, 50).procedures.is_empty());
    }

    /// NFD without a dependency: the decomposed forms of the letters the test types.
    fn nfd_of(text: &str) -> String {
        text.replace('ă', "a\u{306}").replace('ý', "y\u{301}")
    }

    /// Questions come from the server and are kept; offline the kept ones (or the built-in set's) answer.
    #[test]
    fn questions_fall_back_to_the_kept_then_the_built_in_set() {
        let client = Client::new("http://127.0.0.1:9", std::time::Duration::from_millis(200)).with_token("t");
        let store = Store::open_in_memory().unwrap();
        let mut core = Core::new(client, store, OfflineSettings { lease_size: 10, lease_low_water: 2 });
        let builtin = core.rating_questions(Some(Stage::Reception)).unwrap();
        assert_eq!(builtin, QuestionsView::of(&IndicatorSet::builtin(), Some(Stage::Reception)));
        let mut kept = builtin.clone();
        kept.questions.truncate(1);
        core.store.put(&questions_key(Some(Stage::Reception)), &serde_json::to_string(&kept).unwrap()).unwrap();
        assert_eq!(core.rating_questions(Some(Stage::Reception)).unwrap(), kept);
        let query = domain::api::RatingStatusQuery {
            ticket: Some(Uuid::nil()),
            dossier: None,
            rating_token: None,
            served_ticket: None,
            stage: None,
        };
        assert_eq!(core.rating_status(&query).unwrap(), None, "offline: cannot say");
    }
}
