//! A summary of a generated population, printed for people who tune the model:
//! `cargo test -p caretrail-synth --release --test summary -- --ignored --nocapture`.

use std::collections::BTreeMap;
use std::time::Instant;

use caretrail_synth::{DEFAULT_END, PopulationSpec, generate};

fn pop_end() -> jiff::civil::Date {
    DEFAULT_END
}

#[test]
#[ignore = "prints statistics; run by hand"]
fn print_population_summary() {
    for (people, seed) in [(100, 1), (1000, 1)] {
        let t0 = Instant::now();
        let pop = generate(&PopulationSpec::new(people, seed)).unwrap();
        let took = t0.elapsed();
        let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
        for e in &pop.entries {
            *by_kind.entry(e.kind().to_string()).or_default() += 1;
        }
        println!(
            "people={people} seed={seed}: {} entries ({:.1} per person) in {took:?}, {} users, {} relationships",
            pop.entries.len(),
            pop.entries.len() as f64 / f64::from(people),
            pop.users.len(),
            pop.relationships.len()
        );
        for (k, n) in &by_kind {
            println!(
                "  {k:<14} {n:>8} ({:.1} per person)",
                *n as f64 / f64::from(people)
            );
        }
        let mut needs: BTreeMap<String, usize> = BTreeMap::new();
        let mut gait: BTreeMap<String, usize> = BTreeMap::new();
        let mut falls = 0usize;
        let mut fallers = 0usize;
        let mut cog = 0usize;
        let mut died = 0usize;
        for t in &pop.truth.people {
            *needs.entry(format!("{:?}", t.traits.needs)).or_default() += 1;
            *gait.entry(format!("{:?}", t.traits.gait)).or_default() += 1;
            falls += t.falls.len();
            fallers += usize::from(!t.falls.is_empty());
            cog += usize::from(t.traits.cognitive_impairment);
            died += usize::from(t.died_at.is_some());
        }
        println!("  needs {needs:?}");
        println!("  gait {gait:?}");
        println!(
            "  falls {falls} ({:.2} per person over the window), fallers {:.1}%, cognitive {:.1}%, died {died}",
            falls as f64 / f64::from(people),
            100.0 * fallers as f64 / f64::from(people),
            100.0 * cog as f64 / f64::from(people)
        );
        let mut roles: BTreeMap<String, usize> = BTreeMap::new();
        for u in &pop.users {
            *roles.entry(u.role.to_string()).or_default() += 1;
        }
        println!("  users {roles:?}");
        println!("  irregular claims {}", pop.truth.irregular_claims.len());
        let mut ages: Vec<i16> = pop
            .people
            .iter()
            .map(|(_, p)| p.age_on(pop_end()))
            .collect();
        ages.sort();
        println!("  median age {}", ages[ages.len() / 2]);
        let mid = pop.entries[pop.entries.len() / 2].recorded_at;
        let mut load: BTreeMap<caretrail_core::UserId, usize> = BTreeMap::new();
        for r in pop.relationships.iter().filter(|r| r.is_active_at(mid)) {
            *load.entry(r.practitioner).or_default() += 1;
        }
        let mut by_role: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for u in &pop.users {
            if let Some(n) = load.get(&u.id) {
                by_role
                    .entry(format!(
                        "{}@{}",
                        u.role,
                        u.organisation.to_string().get(..4).unwrap_or("")
                    ))
                    .or_default()
                    .push(*n);
            }
        }
        for (role, loads) in by_role {
            let mean = loads.iter().sum::<usize>() as f64 / loads.len() as f64;
            println!(
                "  caseload {role}: {} users, mean {mean:.1}, max {}",
                loads.len(),
                loads.iter().max().unwrap()
            );
        }
    }
}
