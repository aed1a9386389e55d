use proptest::prelude::*;

use super::*;
use crate::domain::instruments::parse;

fn health_check() -> Instrument {
    parse(include_str!("../../../instruments/health-check.toml")).unwrap()
}

fn sizes(groups: &[(&str, i64)]) -> Vec<GroupSize> {
    groups
        .iter()
        .map(|(g, n)| GroupSize {
            group_name: g.to_string(),
            people: *n,
            paper: 0,
        })
        .collect()
}

/// Everyone in every group gives answer `pick(item index)`.
fn tallies_for(
    inst: &Instrument,
    groups: &[(String, i64)],
    pick: impl Fn(usize, usize) -> usize,
) -> Vec<Tally> {
    let mut out = Vec::new();
    let mut n_item = 0;
    for s in &inst.sections {
        for item in &s.items {
            let scale = inst.scale(&item.scale).unwrap();
            for (gi, (g, people)) in groups.iter().enumerate() {
                let o = &scale.options[pick(n_item, gi) % scale.options.len()];
                out.push(Tally {
                    group_name: g.clone(),
                    item_key: item.key.clone(),
                    option_key: o.key.clone(),
                    count: *people,
                });
            }
            n_item += 1;
        }
    }
    out
}

#[test]
fn named_rounds_show_every_organisation() {
    let p = plan_groups(&sizes(&[("Council", 1), ("Health", 2)]), false);
    let names: Vec<_> = p.shown.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Everyone", "Council", "Health"]);
    assert_eq!(p.shown[0].people, 3);
}

#[test]
fn anonymous_rounds_pool_or_hide_small_groups() {
    // Too few overall: nothing.
    let p = plan_groups(&sizes(&[("Council", 1), ("Health", 1)]), true);
    assert!(p.shown.is_empty());
    assert!(p.note.unwrap().contains("at least 3"));
    // One small group that cannot be pooled: everyone only.
    let p = plan_groups(&sizes(&[("Council", 5), ("Health", 2)]), true);
    assert_eq!(p.shown.len(), 1);
    assert!(p.shown[0].everyone);
    // Two small groups pool to three.
    let p = plan_groups(
        &sizes(&[("Council", 5), ("Health", 2), ("Police", 1)]),
        true,
    );
    let names: Vec<_> = p.shown.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Everyone", "Council", "Other organisations"]);
    assert_eq!(p.shown[2].people, 3);
}

#[test]
fn scores_and_gaps_read_as_expected() {
    let inst = health_check();
    // Council all "strongly agree" (100), Health all "disagree" (25).
    let groups = vec![("Council".to_string(), 3), ("Health".to_string(), 3)];
    let t = tallies_for(&inst, &groups, |_, g| if g == 0 { 4 } else { 1 });
    let r = compute(
        &inst,
        &t,
        plan_groups(&sizes(&[("Council", 3), ("Health", 3)]), true),
    );
    let purpose = &r.sections[0];
    assert_eq!(purpose.scores, vec![Some(63), Some(100), Some(25)]);
    assert_eq!(purpose.gap, 75);
    let item = &purpose.items[0];
    assert_eq!(item.gap, 75);
    // Half at 100, half at 25: standard deviation 37.5, spread 75.
    assert_eq!(item.spread, 75);
    assert!(!r.differences.is_empty());
    assert!(
        r.differences[0].reason.contains("75 points apart"),
        "{}",
        r.differences[0].reason
    );
    // "Don't know" counts as an answer but not towards a score.
    let t = tallies_for(&inst, &groups, |_, _| 5);
    let r = compute(
        &inst,
        &t,
        plan_groups(&sizes(&[("Council", 3), ("Health", 3)]), false),
    );
    assert_eq!(r.sections[0].scores, vec![None, None, None]);
    assert_eq!(r.sections[0].items[0].answered(0), 6);
    assert_eq!(r.sections[0].items[0].most_common(0), "Don't know");
}

#[test]
fn ties_and_equal_shares_read_as_they_are() {
    let inst = health_check();
    // Three people, three different answers: a three-way split, 33% each.
    let one = [("Council".to_string(), 1_i64)];
    let t: Vec<Tally> = [0usize, 1, 4]
        .iter()
        .flat_map(|&pick| tallies_for(&inst, &one, move |_, _| pick))
        .collect();
    let r = compute(&inst, &t, plan_groups(&sizes(&[("Council", 3)]), false));
    let it = &r.sections[0].items[0];
    let shown: Vec<i64> = (0..it.options.len())
        .map(|o| it.percent(0, o))
        .filter(|p| *p > 0)
        .collect();
    assert_eq!(shown, vec![33, 33, 33]);
    assert!(
        it.most_common(0).starts_with("split evenly between"),
        "{}",
        it.most_common(0)
    );
    assert!(!it.mostly(0).starts_with("mostly"));
}

fn group_sizes() -> impl Strategy<Value = Vec<i64>> {
    proptest::collection::vec(0i64..8, 1..6)
}

proptest! {
    #[test]
    fn anonymity_threshold_always_holds(ns in group_sizes(), anonymous in any::<bool>()) {
        let named: Vec<(String, i64)> = ns.iter().enumerate().map(|(i, n)| (format!("Org {i}"), *n)).collect();
        let s: Vec<GroupSize> = named.iter().map(|(g, n)| GroupSize { group_name: g.clone(), people: *n, paper: 0 }).collect();
        let total: i64 = ns.iter().sum();
        let p = plan_groups(&s, anonymous);
        if anonymous {
            for g in &p.shown {
                prop_assert!(g.people >= MIN_GROUP, "{} has {}", g.name, g.people);
            }
            // Whatever is shown per organisation adds up to everyone, or nothing
            // per organisation is shown: no small group can be found by subtraction.
            let orgs: i64 = p.shown.iter().filter(|g| !g.everyone).map(|g| g.people).sum();
            prop_assert!(orgs == 0 || orgs == total);
        } else if total > 0 {
            prop_assert_eq!(p.shown.len(), 1 + ns.iter().filter(|n| **n > 0).count());
        }
    }

    #[test]
    fn scores_stay_in_range(ns in group_sizes(), seed in any::<u64>(), anonymous in any::<bool>()) {
        let inst = health_check();
        let groups: Vec<(String, i64)> = ns.iter().enumerate().map(|(i, n)| (format!("Org {i}"), *n)).collect();
        // Each group splits over answers by a seeded pattern.
        let mut t = Vec::new();
        for k in 0..3u64 {
            let part: Vec<(String, i64)> = groups.iter().map(|(g, n)| (g.clone(), (*n + k as i64) / 3)).collect();
            t.extend(tallies_for(&inst, &part, |i, g| ((seed >> ((i + g + k as usize) % 60)) & 7) as usize));
        }
        let s: Vec<GroupSize> = groups.iter().map(|(g, n)| GroupSize { group_name: g.clone(), people: *n, paper: 0 }).collect();
        let r = compute(&inst, &t, plan_groups(&s, anonymous));
        for sec in &r.sections {
            for x in sec.scores.iter().flatten() { prop_assert!((0..=100).contains(x)); }
            prop_assert!((0..=100).contains(&sec.divergence));
            for i in &sec.items {
                for x in i.scores.iter().flatten() { prop_assert!((0..=100).contains(x)); }
                prop_assert!((0..=100).contains(&i.spread));
                prop_assert!((0..=100).contains(&i.gap));
                for g in 0..r.groups.len() {
                    let pct: i64 = (0..i.options.len()).map(|o| i.percent(g, o)).sum();
                    let n = i.options.len() as i64;
                    prop_assert!(i.answered(g) == 0 || (100 - n < pct && pct <= 100), "shares add up to {}", pct);
                    // Equal counts read equal, and each share is within a point of exact.
                    let total: i64 = i.counts[g].iter().sum();
                    for a in 0..i.options.len() {
                        for b in 0..i.options.len() {
                            if i.counts[g][a] == i.counts[g][b] {
                                prop_assert_eq!(i.percent(g, a), i.percent(g, b));
                            }
                        }
                        if total > 0 {
                            let exact = i.counts[g][a] as f64 * 100.0 / total as f64;
                            prop_assert!((i.percent(g, a) as f64 - exact).abs() < 1.0);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn identical_answers_give_zero_divergence(ns in group_sizes(), picks in proptest::collection::vec(0usize..6, 30)) {
        let inst = health_check();
        let groups: Vec<(String, i64)> = ns.iter().enumerate().map(|(i, n)| (format!("Org {i}"), *n)).collect();
        let t = tallies_for(&inst, &groups, |i, _| picks[i % picks.len()]);
        let s: Vec<GroupSize> = groups.iter().map(|(g, n)| GroupSize { group_name: g.clone(), people: *n, paper: 0 }).collect();
        let r = compute(&inst, &t, plan_groups(&s, false));
        for sec in &r.sections {
            prop_assert_eq!(sec.divergence, 0);
            for i in &sec.items {
                prop_assert_eq!(i.divergence, 0);
            }
        }
        prop_assert!(r.differences.is_empty());
    }
}

#[test]
fn a_range_short_of_the_ends_is_not_called_all_the_way() {
    let inst = health_check();
    let one = [("Council".to_string(), 1_i64)];
    let t: Vec<Tally> = [1usize, 3, 4]
        .iter()
        .flat_map(|&pick| tallies_for(&inst, &one, move |_, _| pick))
        .collect();
    let r = compute(&inst, &t, plan_groups(&sizes(&[("Council", 3)]), false));
    let reasons: Vec<&str> = r.differences.iter().map(|d| d.reason.as_str()).collect();
    assert!(
        reasons.contains(&"Answers ran from \"Disagree\" to \"Strongly agree\"."),
        "{reasons:?}"
    );
    assert!(
        !reasons.iter().any(|r| r.contains("all the way")),
        "{reasons:?}"
    );
    let t: Vec<Tally> = [0usize, 4]
        .iter()
        .flat_map(|&pick| tallies_for(&inst, &one, move |_, _| pick))
        .collect();
    let r = compute(&inst, &t, plan_groups(&sizes(&[("Council", 2)]), false));
    assert!(r.differences.iter().any(|d| {
        d.reason
            .contains("all the way from \"Strongly disagree\" to \"Strongly agree\"")
    }));
}
