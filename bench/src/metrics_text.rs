//! Reading the server's `/metrics` (Prometheus's text format), as the turn and pacing reports
//! need it: samples by name prefix, and a sample's label values.

/// The samples of `text` whose name starts with `prefix`: what follows the prefix (the rest of
/// the name, then the labels), and the value. Lines that are not such a sample are skipped.
pub fn samples<'a>(text: &'a str, prefix: &'a str) -> impl Iterator<Item = (&'a str, f64)> + 'a {
    text.lines().filter_map(move |line| {
        let (series, value) = line.strip_prefix(prefix)?.rsplit_once(' ')?;
        Some((series, value.parse().ok()?))
    })
}

/// The value of label `name` in `series` (`suffix{a="x",b="y"}`).
pub fn label<'a>(series: &'a str, name: &str) -> Option<&'a str> {
    let start = series.find(&format!("{name}=\""))? + name.len() + 2;
    let rest = &series[start..];
    Some(&rest[..rest.find('"')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_read_by_prefix_with_their_labels() {
        let text = "# TYPE a_seconds histogram\n\
                    a_seconds_bucket{writer=\"ingest\",le=\"0.1\"} 3\n\
                    a_seconds_count 4\n\
                    a_seconds_sum not-a-number\n\
                    b_total 9\n";
        let read: Vec<(&str, f64)> = samples(text, "a_seconds_").collect();
        assert_eq!(read, [("bucket{writer=\"ingest\",le=\"0.1\"}", 3.0), ("count", 4.0)]);
        assert_eq!(label(read[0].0, "writer"), Some("ingest"));
        assert_eq!(label(read[0].0, "le"), Some("0.1"));
        assert_eq!(label(read[1].0, "le"), None);
    }
}
