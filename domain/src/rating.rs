//! Satisfaction ratings: the three levels citizens press, the 9 indicators of Nghị định 61/2018
//! (amended by 107/2021) that agencies are scored on, and the **indicator set**: the indicators as
//! versioned data with their legal basis, each with its own answer scale, the stages at which a citizen
//! can judge it, or the dossier records it is computed from.
//!
//! The built-in set is `domain/data/indicator-sets/nd61-2018.json` ([`IndicatorSet::builtin`]); a
//! province loads another with [`IndicatorSet::parse`], which validates it. A rating records the id
//! and version of the set it was given under, and its points come from that set's scales, never from
//! the client.

use serde::{Deserialize, Serialize};

use crate::dossier::Timeliness;
use crate::i18n::Localized;
use crate::office::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    VerySatisfied,
    Satisfied,
    NotSatisfied,
}

impl RatingLevel {
    pub const ALL: [RatingLevel; 3] = [RatingLevel::VerySatisfied, RatingLevel::Satisfied, RatingLevel::NotSatisfied];
    pub fn name(self) -> Localized {
        match self {
            RatingLevel::VerySatisfied => Localized::new("Rất hài lòng", "Very satisfied"),
            RatingLevel::Satisfied => Localized::new("Hài lòng", "Satisfied"),
            RatingLevel::NotSatisfied => Localized::new("Không hài lòng", "Not satisfied"),
        }
    }
    /// Points on the 2/1/0 scale used by the indicators.
    pub fn points(self) -> u8 {
        match self {
            RatingLevel::VerySatisfied => 2,
            RatingLevel::Satisfied => 1,
            RatingLevel::NotSatisfied => 0,
        }
    }
}

/// The 9 indicators (Nghị định 61/2018/NĐ-CP, as amended), each scored 2 / 1 / 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    TotalProcessingTime,
    TimePerAgency,
    ContactsToComplete,
    AgenciesContacted,
    OneStopHandling,
    PublicDisclosure,
    StaffAttitude,
    FeedbackHandling,
    OnlineServices,
}

impl Indicator {
    pub const ALL: [Indicator; 9] = [
        Indicator::TotalProcessingTime,
        Indicator::TimePerAgency,
        Indicator::ContactsToComplete,
        Indicator::AgenciesContacted,
        Indicator::OneStopHandling,
        Indicator::PublicDisclosure,
        Indicator::StaffAttitude,
        Indicator::FeedbackHandling,
        Indicator::OnlineServices,
    ];
    pub fn number(self) -> u8 {
        Indicator::ALL.iter().position(|i| *i == self).map(|p| p as u8 + 1).unwrap_or(0)
    }
    pub fn name(self) -> Localized {
        use Indicator::*;
        match self {
            TotalProcessingTime => Localized::new(
                "Tổng thời gian giải quyết so với quy định",
                "Total processing time against the legal limit",
            ),
            TimePerAgency => Localized::new("Thời gian giải quyết của từng cơ quan", "Time taken by each agency"),
            ContactsToComplete => Localized::new(
                "Số lần phải liên hệ để hoàn thiện hồ sơ",
                "Times the applicant contacted the reception point to complete the dossier",
            ),
            AgenciesContacted => Localized::new("Số cơ quan phải liên hệ", "Number of agencies contacted"),
            OneStopHandling => Localized::new(
                "Tiếp nhận, giải quyết, trả kết quả tại Bộ phận Một cửa",
                "Received, processed and returned at the one-stop department",
            ),
            PublicDisclosure => Localized::new("Công khai thủ tục hành chính", "Public disclosure of procedures"),
            StaffAttitude => Localized::new(
                "Thái độ của cán bộ khi hướng dẫn, tiếp nhận, giải quyết",
                "Attitude of officers when guiding, receiving and processing",
            ),
            FeedbackHandling => {
                Localized::new("Tiếp thu, giải trình ý kiến, kiến nghị", "Handling of feedback and petitions")
            }
            OnlineServices => Localized::new(
                "Tiến độ, chất lượng dịch vụ công trực tuyến",
                "Progress and quality of online public services",
            ),
        }
    }
    /// Whether a citizen at a kiosk can judge it (the others come from the processing records).
    pub fn citizen_judges(self) -> bool {
        matches!(
            self,
            Indicator::ContactsToComplete
                | Indicator::AgenciesContacted
                | Indicator::OneStopHandling
                | Indicator::PublicDisclosure
                | Indicator::StaffAttitude
        )
    }
}

impl Indicator {
    /// The id an indicator has in an indicator set (its serde name, e.g. `staff_attitude`).
    pub fn id(self) -> &'static str {
        use Indicator::*;
        match self {
            TotalProcessingTime => "total_processing_time",
            TimePerAgency => "time_per_agency",
            ContactsToComplete => "contacts_to_complete",
            AgenciesContacted => "agencies_contacted",
            OneStopHandling => "one_stop_handling",
            PublicDisclosure => "public_disclosure",
            StaffAttitude => "staff_attitude",
            FeedbackHandling => "feedback_handling",
            OnlineServices => "online_services",
        }
    }

    /// The indicator of an indicator set's id, when it is one of the 9.
    pub fn from_id(id: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.id() == id)
    }
}

/// The text of the built-in indicator set.
pub const BUILTIN_SET_JSON: &str = include_str!("../data/indicator-sets/nd61-2018.json");

/// A law or circular an indicator set rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// Its number, e.g. `61/2018/NĐ-CP`.
    pub reference: String,
    pub title: Localized,
}

/// What records a computed indicator is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputedFrom {
    /// The finished dossier's timeliness (`early` / `on_time` / `late`) from its imported records.
    DossierTimeliness,
}

/// One answer of an indicator's scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    pub id: String,
    /// As the citizen reads it.
    pub label: Localized,
    /// 2, 1 or 0.
    pub points: u8,
    /// For a computed indicator: the timeliness values this answer stands for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Timeliness>,
}

/// One indicator of a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    /// Stable id (for the 9 of Nghị định 61/2018, the [`Indicator`] names).
    pub id: String,
    /// Its number in the legal text.
    pub number: u8,
    /// The full official text.
    pub text: Localized,
    /// The question as a citizen is asked it (none for a computed indicator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<Localized>,
    /// The stages at which a citizen can judge it; empty: never asked.
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Computed from the records instead of asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed_from: Option<ComputedFrom>,
    /// Its own answer scale.
    pub options: Vec<AnswerOption>,
}

impl IndicatorDef {
    /// Whether a citizen is asked it at `stage`.
    pub fn asked_at(&self, stage: Stage) -> bool {
        self.computed_from.is_none() && self.stages.contains(&stage)
    }

    pub fn option(&self, id: &str) -> Option<&AnswerOption> {
        self.options.iter().find(|o| o.id == id)
    }

    /// The question in the citizen's words, or the official text when the set words none.
    pub fn question_text(&self) -> &Localized {
        self.question.as_ref().unwrap_or(&self.text)
    }
}

/// An indicator set: versioned data with its legal basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSet {
    pub id: String,
    pub version: String,
    pub name: Localized,
    pub legal_basis: Vec<LegalBasis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Localized>,
    pub indicators: Vec<IndicatorDef>,
}

/// The id and version of the set a rating was given under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndicatorSetRef {
    pub id: String,
    pub version: String,
}

/// One answer recorded with a rating: the indicator, the option of its scale and the points the set
/// gives that option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAnswer {
    pub indicator: String,
    pub option: String,
    pub points: u8,
}

/// Why an indicator set cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorSetError {
    #[error("the indicator set is not valid JSON of the expected shape: {0}")]
    Json(String),
    #[error("the indicator set needs an id and a version")]
    MissingIdOrVersion,
    #[error("the indicator set needs at least one law or circular as its legal basis")]
    NoLegalBasis,
    #[error("the indicator set has no indicators")]
    NoIndicators,
    #[error("id {0:?} is not 1–64 characters of a–z, 0–9, _ and -")]
    BadId(String),
    #[error("indicator {0:?} appears twice")]
    DuplicateIndicator(String),
    #[error("indicator {0:?} has an empty answer scale")]
    EmptyScale(String),
    #[error("indicator {indicator:?} has the answer {option:?} twice")]
    DuplicateOption { indicator: String, option: String },
    #[error("answer {option:?} of indicator {indicator:?} gives {points} points; points are 0, 1 or 2")]
    Points { indicator: String, option: String, points: u8 },
    #[error("indicator {0:?} has an empty text, question or answer label")]
    EmptyText(String),
    #[error("indicator {0:?} is computed from the records and cannot also be asked")]
    ComputedAndAsked(String),
    #[error("indicator {0:?} is asked at a stage but words no question")]
    NoQuestion(String),
    #[error(
        "computed indicator {0:?} does not map every finished timeliness (early, on_time, late) to exactly one answer"
    )]
    ComputedMapping(String),
    #[error("indicator {0:?} names a stage twice")]
    DuplicateStage(String),
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn blank(l: &Localized) -> bool {
    l.vi.trim().is_empty() || l.en.trim().is_empty()
}

impl IndicatorSet {
    /// The built-in set (Nghị định 61/2018/NĐ-CP as amended by 107/2021, Thông tư 01/2018/TT-VPCP).
    pub fn builtin() -> IndicatorSet {
        IndicatorSet::parse(BUILTIN_SET_JSON).expect("the built-in indicator set is valid (tested)")
    }

    /// Reads and validates a set.
    pub fn parse(json: &str) -> Result<IndicatorSet, IndicatorSetError> {
        let set: IndicatorSet = serde_json::from_str(json).map_err(|e| IndicatorSetError::Json(e.to_string()))?;
        set.validate()?;
        Ok(set)
    }

    /// Unique ids, points 0–2, non-empty scales and texts, computed indicators never asked and mapping
    /// each finished timeliness to one answer, asked indicators with a question.
    pub fn validate(&self) -> Result<(), IndicatorSetError> {
        if self.id.trim().is_empty() || self.version.trim().is_empty() {
            return Err(IndicatorSetError::MissingIdOrVersion);
        }
        if !valid_id(&self.id) {
            return Err(IndicatorSetError::BadId(self.id.clone()));
        }
        if self.legal_basis.is_empty() || self.legal_basis.iter().any(|l| l.reference.trim().is_empty()) {
            return Err(IndicatorSetError::NoLegalBasis);
        }
        if self.indicators.is_empty() {
            return Err(IndicatorSetError::NoIndicators);
        }
        let mut seen = std::collections::HashSet::new();
        for ind in &self.indicators {
            let id = || ind.id.clone();
            if !valid_id(&ind.id) {
                return Err(IndicatorSetError::BadId(id()));
            }
            if !seen.insert(ind.id.as_str()) {
                return Err(IndicatorSetError::DuplicateIndicator(id()));
            }
            if ind.options.is_empty() {
                return Err(IndicatorSetError::EmptyScale(id()));
            }
            if blank(&ind.text)
                || ind.question.as_ref().is_some_and(blank)
                || ind.options.iter().any(|o| blank(&o.label))
            {
                return Err(IndicatorSetError::EmptyText(id()));
            }
            let mut stages = ind.stages.clone();
            stages.sort_by_key(|s| *s as u8);
            stages.dedup();
            if stages.len() != ind.stages.len() {
                return Err(IndicatorSetError::DuplicateStage(id()));
            }
            let mut options = std::collections::HashSet::new();
            for o in &ind.options {
                if !valid_id(&o.id) {
                    return Err(IndicatorSetError::BadId(o.id.clone()));
                }
                if !options.insert(o.id.as_str()) {
                    return Err(IndicatorSetError::DuplicateOption { indicator: id(), option: o.id.clone() });
                }
                if o.points > 2 {
                    return Err(IndicatorSetError::Points { indicator: id(), option: o.id.clone(), points: o.points });
                }
            }
            match ind.computed_from {
                Some(ComputedFrom::DossierTimeliness) => {
                    if !ind.stages.is_empty() {
                        return Err(IndicatorSetError::ComputedAndAsked(id()));
                    }
                    let maps_once = |t: Timeliness| ind.options.iter().filter(|o| o.when.contains(&t)).count() == 1;
                    let only_finished = ind.options.iter().flat_map(|o| &o.when).all(|t| t.is_finished_family());
                    if ![Timeliness::Early, Timeliness::OnTime, Timeliness::Late].into_iter().all(maps_once)
                        || !only_finished
                    {
                        return Err(IndicatorSetError::ComputedMapping(id()));
                    }
                }
                None => {
                    if !ind.stages.is_empty() && ind.question.is_none() {
                        return Err(IndicatorSetError::NoQuestion(id()));
                    }
                }
            }
        }
        Ok(())
    }

    pub fn reference(&self) -> IndicatorSetRef {
        IndicatorSetRef { id: self.id.clone(), version: self.version.clone() }
    }

    pub fn indicator(&self, id: &str) -> Option<&IndicatorDef> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The indicators a citizen is asked at a stage, in the set's order.
    pub fn questions(&self, stage: Stage) -> impl Iterator<Item = &IndicatorDef> {
        self.indicators.iter().filter(move |i| i.asked_at(stage))
    }

    /// The computed indicators' answers for a finished dossier's timeliness (none for a running one).
    pub fn computed(&self, timeliness: Option<Timeliness>) -> Vec<RecordedAnswer> {
        let Some(t) = timeliness.filter(|t| t.is_finished_family()) else { return Vec::new() };
        self.indicators
            .iter()
            .filter(|i| i.computed_from == Some(ComputedFrom::DossierTimeliness))
            .filter_map(|i| {
                let o = i.options.iter().find(|o| o.when.contains(&t))?;
                Some(RecordedAnswer { indicator: i.id.clone(), option: o.id.clone(), points: o.points })
            })
            .collect()
    }
}

/// What a citizen chose, checked against a set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    #[error("the indicator set has no indicator {0:?}")]
    UnknownIndicator(String),
    #[error("indicator {indicator:?} has no answer {option:?}")]
    UnknownOption { indicator: String, option: String },
    #[error("indicator {indicator:?} is not asked at the {stage:?} stage")]
    NotAsked { indicator: String, stage: Stage },
    #[error("indicator {0:?} answered twice")]
    Duplicate(String),
    #[error("answers score 0, 1 or 2 points")]
    Points,
}

impl IndicatorSet {
    /// Checks a citizen's choices (indicator id, option id) at a stage and gives them their points.
    pub fn resolve_choices(
        &self,
        stage: Stage,
        choices: &[(String, String)],
    ) -> Result<Vec<RecordedAnswer>, ChoiceError> {
        let mut out: Vec<RecordedAnswer> = Vec::with_capacity(choices.len());
        for (indicator, option) in choices {
            let def = self.indicator(indicator).ok_or_else(|| ChoiceError::UnknownIndicator(indicator.clone()))?;
            if out.iter().any(|a| a.indicator == def.id) {
                return Err(ChoiceError::Duplicate(def.id.clone()));
            }
            if !def.asked_at(stage) {
                return Err(ChoiceError::NotAsked { indicator: def.id.clone(), stage });
            }
            let o = def
                .option(option)
                .ok_or_else(|| ChoiceError::UnknownOption { indicator: def.id.clone(), option: option.clone() })?;
            out.push(RecordedAnswer { indicator: def.id.clone(), option: o.id.clone(), points: o.points });
        }
        Ok(out)
    }

    /// Maps the answers of older kiosks (an indicator and 0–2 points on one generic scale) onto the
    /// set: each answer to an indicator the citizen is asked at the stage becomes the first option of
    /// its scale with those points; answers to indicators not asked there (older kiosks asked about the
    /// total processing time, which comes from the records) are left out, not counted. Points above 2
    /// and an indicator answered twice are refused.
    pub fn resolve_legacy(
        &self,
        stage: Stage,
        answers: &[(Indicator, u8)],
    ) -> Result<Vec<RecordedAnswer>, ChoiceError> {
        if answers.iter().any(|(_, p)| *p > 2) {
            return Err(ChoiceError::Points);
        }
        let mut out: Vec<RecordedAnswer> = Vec::new();
        for (i, (indicator, points)) in answers.iter().enumerate() {
            if answers[..i].iter().any(|(other, _)| other == indicator) {
                return Err(ChoiceError::Duplicate(indicator.id().to_owned()));
            }
            let Some(def) = self.indicator(indicator.id()).filter(|d| d.asked_at(stage)) else { continue };
            if let Some(o) = def.options.iter().find(|o| o.points == *points) {
                out.push(RecordedAnswer { indicator: def.id.clone(), option: o.id.clone(), points: o.points });
            }
        }
        Ok(out)
    }
}

/// The rating token in a scanned receipt QR: the `r` query parameter of a URL (`…?maHoSo=…&r=TOKEN`
/// or `…/000.00.01.H29-261203-0999?r=TOKEN`), when it is 16–128 characters of `0-9 a-z A-Z - _`.
pub fn rating_token_in(scanned: &str) -> Option<String> {
    let query = scanned.trim().split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let value = pair.strip_prefix("r=")?;
        let ok = (16..=128).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| value.to_owned())
    })
}

/// An agency's score on the indicators: sum of points, 18 at most.
pub fn indicator_score(points: &[(Indicator, u8)]) -> u8 {
    let mut seen = std::collections::BTreeMap::new();
    for (indicator, p) in points {
        seen.insert(*indicator, (*p).min(2));
    }
    seen.values().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_indicators_score_at_most_eighteen() {
        assert_eq!(Indicator::ALL.len(), 9);
        assert_eq!(Indicator::OnlineServices.number(), 9);
        let all_max: Vec<_> = Indicator::ALL.iter().map(|i| (*i, 2)).collect();
        assert_eq!(indicator_score(&all_max), 18);
        assert_eq!(indicator_score(&[(Indicator::StaffAttitude, 5), (Indicator::StaffAttitude, 1)]), 1);
    }

    #[test]
    fn the_builtin_set_is_valid_and_complete() {
        let set = IndicatorSet::builtin();
        assert_eq!((set.id.as_str(), set.version.as_str()), ("nd61-2018", "2021.1"));
        assert_eq!(set.indicators.len(), 9);
        let refs: Vec<&str> = set.legal_basis.iter().map(|l| l.reference.as_str()).collect();
        assert_eq!(refs, ["61/2018/NĐ-CP", "107/2021/NĐ-CP", "01/2018/TT-VPCP"]);
        for (n, (def, indicator)) in set.indicators.iter().zip(Indicator::ALL).enumerate() {
            assert_eq!(def.id, indicator.id());
            assert_eq!(Indicator::from_id(&def.id), Some(indicator));
            assert_eq!(usize::from(def.number), n + 1);
            let mut points: Vec<u8> = def.options.iter().map(|o| o.points).collect();
            points.sort_unstable();
            assert_eq!(points, [0, 1, 2], "{}: a 2/1/0 scale", def.id);
            // The full texts, not shortened names.
            assert!(def.text.vi.split_whitespace().count() >= 8, "{}: {}", def.id, def.text.vi);
            assert!(
                crate::error::message_faults(&def.text, &[]).iter().all(|f| !f.contains("English has")),
                "{}",
                def.id
            );
        }
        // Indicators 1–2 come from the records; the citizen is never asked them.
        for stage in [Stage::Reception, Stage::Processing, Stage::ResultReturn] {
            assert!(set.questions(stage).all(|d| d.computed_from.is_none() && d.question.is_some()));
            assert!(set.questions(stage).all(|d| d.number > 2));
            assert!(set.questions(stage).any(|d| d.id == "staff_attitude"));
        }
        // Each question has its own answers.
        let contacts = set.indicator("contacts_to_complete").unwrap();
        let labels: Vec<&str> = contacts.options.iter().map(|o| o.label.vi.as_str()).collect();
        assert_eq!(labels, ["Không phải liên hệ lần nào", "1 lần", "Nhiều hơn 1 lần"]);
        assert_eq!(contacts.option("none").map(|o| o.points), Some(2));
        assert_eq!(contacts.option("more").map(|o| o.points), Some(0));
        let attitude = set.indicator("staff_attitude").unwrap();
        assert_ne!(attitude.options, contacts.options);
        let public: Vec<&str> = set.questions(Stage::Reception).map(|d| d.id.as_str()).collect();
        assert_eq!(public, ["contacts_to_complete", "public_disclosure", "staff_attitude"]);
    }

    #[test]
    fn computed_indicators_follow_the_dossier_timeliness() {
        let set = IndicatorSet::builtin();
        let points = |t| set.computed(Some(t)).iter().map(|a| (a.indicator.clone(), a.points)).collect::<Vec<_>>();
        assert_eq!(
            points(Timeliness::Early),
            [("total_processing_time".to_owned(), 2), ("time_per_agency".to_owned(), 2)]
        );
        assert_eq!(points(Timeliness::OnTime).iter().map(|p| p.1).collect::<Vec<_>>(), [1, 1]);
        assert_eq!(points(Timeliness::Late).iter().map(|p| p.1).collect::<Vec<_>>(), [0, 0]);
        assert!(set.computed(Some(Timeliness::Overdue)).is_empty(), "a running dossier has no total time yet");
        assert!(set.computed(None).is_empty());
    }

    #[test]
    fn choices_get_their_points_from_the_set() {
        let set = IndicatorSet::builtin();
        let c = |i: &str, o: &str| (i.to_owned(), o.to_owned());
        let got =
            set.resolve_choices(Stage::Reception, &[c("contacts_to_complete", "once"), c("staff_attitude", "good")]);
        assert_eq!(
            got.unwrap(),
            [
                RecordedAnswer { indicator: "contacts_to_complete".into(), option: "once".into(), points: 1 },
                RecordedAnswer { indicator: "staff_attitude".into(), option: "good".into(), points: 2 },
            ]
        );
        assert_eq!(
            set.resolve_choices(Stage::Reception, &[c("nothing", "good")]),
            Err(ChoiceError::UnknownIndicator("nothing".into()))
        );
        assert!(matches!(
            set.resolve_choices(Stage::Reception, &[c("staff_attitude", "once")]),
            Err(ChoiceError::UnknownOption { .. })
        ));
        assert!(matches!(
            set.resolve_choices(Stage::Reception, &[c("total_processing_time", "early")]),
            Err(ChoiceError::NotAsked { .. })
        ));
        assert!(matches!(
            set.resolve_choices(Stage::Reception, &[c("one_stop_handling", "all_here")]),
            Err(ChoiceError::NotAsked { .. })
        ));
        assert_eq!(
            set.resolve_choices(Stage::Reception, &[c("staff_attitude", "good"), c("staff_attitude", "poor")]),
            Err(ChoiceError::Duplicate("staff_attitude".into()))
        );
    }

    #[test]
    fn old_kiosk_answers_are_mapped_onto_the_scales() {
        let set = IndicatorSet::builtin();
        let got = set
            .resolve_legacy(
                Stage::Reception,
                &[
                    (Indicator::TotalProcessingTime, 2),
                    (Indicator::ContactsToComplete, 0),
                    (Indicator::StaffAttitude, 2),
                ],
            )
            .unwrap();
        let got: Vec<(&str, &str, u8)> =
            got.iter().map(|a| (a.indicator.as_str(), a.option.as_str(), a.points)).collect();
        assert_eq!(got, [("contacts_to_complete", "more", 0), ("staff_attitude", "good", 2)]);
        assert_eq!(set.resolve_legacy(Stage::Reception, &[(Indicator::StaffAttitude, 3)]), Err(ChoiceError::Points));
        assert_eq!(
            set.resolve_legacy(Stage::Reception, &[(Indicator::StaffAttitude, 1), (Indicator::StaffAttitude, 2)]),
            Err(ChoiceError::Duplicate("staff_attitude".into()))
        );
    }

    fn edited(f: impl FnOnce(&mut serde_json::Value)) -> Result<IndicatorSet, IndicatorSetError> {
        let mut v: serde_json::Value = serde_json::from_str(BUILTIN_SET_JSON).unwrap();
        f(&mut v);
        IndicatorSet::parse(&v.to_string())
    }

    #[test]
    fn a_set_is_validated_with_typed_errors() {
        assert!(edited(|_| {}).is_ok());
        assert!(matches!(IndicatorSet::parse("{"), Err(IndicatorSetError::Json(_))));
        assert_eq!(edited(|v| v["version"] = "".into()), Err(IndicatorSetError::MissingIdOrVersion));
        assert_eq!(edited(|v| v["legal_basis"] = serde_json::json!([])), Err(IndicatorSetError::NoLegalBasis));
        assert_eq!(edited(|v| v["indicators"] = serde_json::json!([])), Err(IndicatorSetError::NoIndicators));
        assert_eq!(
            edited(|v| v["indicators"][3]["id"] = "staff_attitude".into()),
            Err(IndicatorSetError::DuplicateIndicator("staff_attitude".into()))
        );
        assert_eq!(
            edited(|v| v["indicators"][6]["options"] = serde_json::json!([])),
            Err(IndicatorSetError::EmptyScale("staff_attitude".into()))
        );
        assert_eq!(
            edited(|v| v["indicators"][6]["options"][0]["points"] = 3.into()),
            Err(IndicatorSetError::Points { indicator: "staff_attitude".into(), option: "good".into(), points: 3 })
        );
        assert_eq!(
            edited(|v| v["indicators"][6]["options"][1]["id"] = "good".into()),
            Err(IndicatorSetError::DuplicateOption { indicator: "staff_attitude".into(), option: "good".into() })
        );
        assert_eq!(
            edited(|v| v["indicators"][0]["stages"] = serde_json::json!(["reception"])),
            Err(IndicatorSetError::ComputedAndAsked("total_processing_time".into()))
        );
        assert_eq!(
            edited(|v| v["indicators"][0]["options"][1]["when"] = serde_json::json!(["early"])),
            Err(IndicatorSetError::ComputedMapping("total_processing_time".into()))
        );
        assert_eq!(
            edited(|v| v["indicators"][6].as_object_mut().unwrap().remove("question").map(|_| ()).unwrap()),
            Err(IndicatorSetError::NoQuestion("staff_attitude".into()))
        );
        assert_eq!(
            edited(|v| v["indicators"][6]["options"][0]["label"]["vi"] = " ".into()),
            Err(IndicatorSetError::EmptyText("staff_attitude".into()))
        );
        assert_eq!(
            edited(|v| v["indicators"][6]["id"] = "Thái độ".into()),
            Err(IndicatorSetError::BadId("Thái độ".into()))
        );
        assert!(matches!(edited(|v| v["extra"] = 1.into()), Err(IndicatorSetError::Json(_))));
        // Another set, another version: parsed the same way.
        let other = edited(|v| {
            v["id"] = "nd-moi".into();
            v["version"] = "2026.1".into();
        })
        .unwrap();
        assert_eq!(other.reference(), IndicatorSetRef { id: "nd-moi".into(), version: "2026.1".into() });
    }

    #[test]
    fn the_receipt_qr_carries_the_code_and_the_token() {
        let token = "3f9a0c1d2e4b5a69788796a5b4c3d2e1";
        for scanned in [
            format!("https://dichvucong.hochiminhcity.gov.vn/tra-cuu?maHoSo=000.00.01.H29-261203-0999&r={token}"),
            format!("https://motcua.local/hs/000.00.01.H29-261203-0999?r={token}"),
            format!("https://motcua.local/#/hs?maHoSo=000.00.01.H29-261203-0999&r={token}&lang=vi\r\n"),
        ] {
            assert_eq!(rating_token_in(&scanned).as_deref(), Some(token), "{scanned}");
            let code = crate::dossier::DossierCode::parse_lenient(&scanned).unwrap();
            assert_eq!(code.as_str(), "000.00.01.H29-261203-0999", "{scanned}");
        }
        assert_eq!(rating_token_in("000.00.01.H29-261203-0999"), None);
        assert_eq!(rating_token_in("https://x/?r=short"), None);
        assert_eq!(rating_token_in("https://x/?r=<script>alert(1)</script>xxxxxxxx"), None);
    }

    #[test]
    fn levels() {
        assert_eq!(RatingLevel::VerySatisfied.name().vi, "Rất hài lòng");
        assert_eq!(RatingLevel::NotSatisfied.points(), 0);
        assert_eq!(serde_json::to_string(&RatingLevel::Satisfied).unwrap(), "\"satisfied\"");
    }
}
