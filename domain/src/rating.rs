//! Satisfaction ratings: the three levels citizens press, the detailed questions they can judge, and
//! the 9 indicators of Nghị định 61/2018 (amended by 107/2021) that agencies are scored on.

use serde::{Deserialize, Serialize};

use crate::i18n::Localized;

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
    fn levels() {
        assert_eq!(RatingLevel::VerySatisfied.name().vi, "Rất hài lòng");
        assert_eq!(RatingLevel::NotSatisfied.points(), 0);
        assert_eq!(serde_json::to_string(&RatingLevel::Satisfied).unwrap(), "\"satisfied\"");
    }
}
