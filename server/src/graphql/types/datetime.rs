//! The `DateTime` scalar, written here so that its description tells clients what to send.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, Utc};

/// A moment in time, read and written as RFC 3339 text (described on the scalar below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeGql(pub DateTime<Utc>);

/// A moment, as RFC 3339 text with an offset. Answers are in UTC with `+00:00`, to the second
/// and with a fraction only when the moment has one: `2023-11-14T22:13:20+00:00`,
/// `2024-05-02T09:30:00.123456+00:00`. Arguments take any offset (`Z`, `+02:00`, `-05:00`), a
/// `T` or a space between date and time, and a fraction of a second; a date alone, a time
/// without an offset or a number of seconds is refused (BAD_USER_INPUT).
#[Scalar(name = "DateTime", specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339")]
impl ScalarType for DateTimeGql {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => text.parse().map(Self).map_err(|e| {
                InputValueError::custom(format!(
                    "{e}: expected RFC 3339 with an offset, like 2023-11-14T22:13:20Z, got \"{text}\""
                ))
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

impl From<DateTime<Utc>> for DateTimeGql {
    fn from(moment: DateTime<Utc>) -> Self {
        Self(moment)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn parsed(text: &str) -> Option<DateTime<Utc>> {
        DateTimeGql::parse(Value::String(text.into())).ok().map(|moment| moment.0)
    }

    #[test]
    fn rfc_3339_with_any_offset_is_read_and_utc_is_written() {
        let moment = Utc.with_ymd_and_hms(2023, 11, 14, 22, 13, 20).single();
        assert_eq!(parsed("2023-11-14T22:13:20Z"), moment);
        assert_eq!(parsed("2023-11-14T23:13:20+01:00"), moment);
        assert_eq!(parsed("2023-11-14T17:13:20-05:00"), moment);
        assert_eq!(parsed("2023-11-14 22:13:20Z"), moment, "a space for the T");
        assert_eq!(parsed("2023-11-14t22:13:20z"), moment, "lower case");
        let half = parsed("2023-11-14T22:13:20.5Z");
        assert_eq!(half.map(|m| m.timestamp_subsec_millis()), Some(500));
        assert_eq!(moment.map(|m| DateTimeGql(m).to_value()), Some(Value::String("2023-11-14T22:13:20+00:00".into())));
        assert_eq!(
            half.map(|m| DateTimeGql(m).to_value()),
            Some(Value::String("2023-11-14T22:13:20.500+00:00".into()))
        );
    }

    #[test]
    fn a_date_alone_a_time_without_offset_or_seconds_are_refused() {
        for text in ["2023-11-14", "2023-11-14T22:13:20", "1700000000", "yesterday", ""] {
            assert_eq!(parsed(text), None, "{text}");
        }
        assert!(DateTimeGql::parse(Value::Number(1_700_000_000.into())).is_err());
    }
}
