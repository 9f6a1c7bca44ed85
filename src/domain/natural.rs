//! Natural order for building, unit and room numbers: "2" before "10", as a property office
//! counts them, where plain text order puts 1, 10, 11, 2.

use std::cmp::Ordering;

/// A text that orders its runs of digits by their value and the rest as text:
/// "1-2-301" < "1-10-101", "2栋" < "10栋", "S9" < "S18".
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Natural(pub String);

impl Ord for Natural {
    fn cmp(&self, other: &Self) -> Ordering {
        natural_cmp(&self.0, &other.0)
    }
}

impl PartialOrd for Natural {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares run by run; equal values written differently ("07", "7") fall back to text order,
/// so the order is total and agrees with equality.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (runs(a), runs(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let order = match (is_digits(p), is_digits(q)) {
                    (true, true) => {
                        let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                        p.len().cmp(&q.len()).then_with(|| p.cmp(q))
                    }
                    _ => p.cmp(q),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

fn is_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// The text cut where it changes between ASCII digits and anything else.
fn runs(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest.char_indices().find(|(_, c)| c.is_ascii_digit() != digit).map_or(rest.len(), |(i, _)| i);
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some(run)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_order_by_value() {
        let mut v = vec!["10", "2", "1", "11", "商业街", "S18", "S9", "1-10-101", "1-2-301"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, vec!["1", "1-2-301", "1-10-101", "2", "10", "11", "S9", "S18", "商业街"]);
        assert_eq!(natural_cmp("07", "7"), "07".cmp("7"), "different texts never compare equal");
        assert_eq!(natural_cmp("3栋", "3栋"), Ordering::Equal);
    }
}
