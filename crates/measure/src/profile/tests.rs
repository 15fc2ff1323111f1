//! The profile parser on good and bad input, and the drawn tasks.

use std::time::Duration;

use super::*;

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

#[test]
fn durations_parse_in_every_form() {
    assert_eq!(parse_duration("50us"), Ok(us(50)));
    assert_eq!(parse_duration(" 50µs "), Ok(us(50)));
    assert_eq!(parse_duration("1.5ms"), Ok(us(1_500)));
    assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
    assert_eq!(parse_duration("750ns"), Ok(Duration::from_nanos(750)));
    assert_eq!(parse_duration("0ns"), Ok(Duration::ZERO));
    let d = |s: &str| s.parse::<Durations>();
    assert_eq!(d("80us"), Ok(Durations::Fixed(us(80))));
    assert_eq!(d("fixed:80us"), Ok(Durations::Fixed(us(80))));
    assert_eq!(
        d("uniform:10us..200us"),
        Ok(Durations::Uniform {
            low: us(10),
            high: us(200)
        })
    );
    let lognormal = Durations::LogNormal {
        median: us(50),
        p99: us(2_000),
    };
    assert_eq!(d("lognormal:median=50us,p99=2ms"), Ok(lognormal));
    assert_eq!(d("lognormal:p99=2ms,median=50us"), Ok(lognormal));
}

#[test]
fn bad_durations_are_typed_errors_that_say_what_is_accepted() {
    for bad in ["50", "us", "-5us", "5 minutes", "1e3us", "", "5u s"] {
        let err = parse_duration(bad).unwrap_err();
        assert_eq!(
            err,
            ProfileError::Duration {
                given: bad.to_owned()
            },
            "{bad}"
        );
        assert!(err.to_string().contains("ns, us (or µs), ms or s"), "{err}");
    }
    let d = |s: &str| s.parse::<Durations>().unwrap_err();
    assert_eq!(
        d("gaussian:mean=5us"),
        ProfileError::UnknownDistribution {
            given: "gaussian".into()
        }
    );
    assert_eq!(
        d("exponential"),
        ProfileError::UnknownDistribution {
            given: "exponential".into()
        }
    );
    assert!(d("exponential").to_string().contains("lognormal:median="));
    assert!(matches!(
        d("uniform:10us-200us"),
        ProfileError::Parameters {
            distribution: "uniform",
            ..
        }
    ));
    for bad in [
        "lognormal:median=50us",
        "lognormal:p99=1ms",
        "lognormal:median=50us,p99=1ms,p50=3us",
        "lognormal:median=50us,median=60us,p99=1ms",
        "lognormal:50us,1ms",
    ] {
        let err = d(bad);
        assert!(
            matches!(
                err,
                ProfileError::Parameters {
                    distribution: "lognormal",
                    ..
                }
            ),
            "{bad}: {err:?}"
        );
        assert!(
            err.to_string()
                .contains("lognormal:median=<duration>,p99=<duration>"),
            "{err}"
        );
    }
    assert_eq!(
        d("uniform:200us..10us"),
        ProfileError::UniformReversed {
            low: us(200),
            high: us(10)
        }
    );
    assert_eq!(
        d("lognormal:median=2ms,p99=50us"),
        ProfileError::LogNormalShape {
            median: us(2_000),
            p99: us(50)
        }
    );
    assert_eq!(
        d("lognormal:median=0us,p99=50us"),
        ProfileError::LogNormalShape {
            median: Duration::ZERO,
            p99: us(50)
        }
    );
    // A bad duration inside a distribution is reported as the duration.
    assert_eq!(
        d("uniform:10..200us"),
        ProfileError::Duration { given: "10".into() }
    );
}

#[test]
fn shares_sizes_and_counts_parse_or_say_why_not() {
    assert_eq!(parse_share("0.3"), Ok(0.3));
    assert_eq!(parse_share("30%"), Ok(0.3));
    assert_eq!(parse_share("0"), Ok(0.0));
    assert_eq!(parse_share("100 %"), Ok(1.0));
    for bad in ["1.5", "-0.1", "150%", "half", ""] {
        assert_eq!(
            parse_share(bad),
            Err(ProfileError::Share { given: bad.into() }),
            "{bad}"
        );
    }
    assert_eq!(parse_size("512"), Ok(512));
    assert_eq!(parse_size("512B"), Ok(512));
    assert_eq!(parse_size("4KiB"), Ok(4096));
    assert_eq!(parse_size("1MiB"), Ok(1 << 20));
    assert_eq!(parse_size("0"), Ok(0));
    for bad in [
        "4KB",
        "4k",
        "1.5KiB",
        "-1",
        "KiB",
        "99999999999999999999GiB",
    ] {
        let err = parse_size(bad).unwrap_err();
        assert_eq!(err, ProfileError::Size { given: bad.into() }, "{bad}");
        assert!(err.to_string().contains("KiB"), "{err}");
    }
    assert_eq!(parse_count("tasks", "2000"), Ok(2000));
    assert_eq!(
        parse_count("tasks", "0"),
        Err(ProfileError::Count {
            what: "tasks",
            given: "0".into()
        })
    );
    assert_eq!(
        parse_count("submitters", "two").unwrap_err().to_string(),
        "submitters must be a positive whole number, got `two`"
    );
    assert_eq!(parse_counts("capacities", "2, 8,"), Ok(vec![2, 8]));
    assert_eq!(
        parse_counts("capacities", " , "),
        Err(ProfileError::EmptyList { what: "capacities" })
    );
    assert_eq!(
        parse_counts("capacities", "2,0"),
        Err(ProfileError::Count {
            what: "capacities",
            given: "0".into()
        })
    );
}

#[test]
fn drawn_durations_follow_the_distribution_and_the_seed() {
    let mut rng = fastrand::Rng::with_seed(7);
    let lognormal = Durations::LogNormal {
        median: us(50),
        p99: us(2_000),
    };
    let mut drawn: Vec<Duration> = (0..20_000).map(|_| lognormal.sample(&mut rng)).collect();
    drawn.sort();
    let median = drawn[drawn.len() / 2].as_secs_f64() * 1e6;
    let p99 = drawn[drawn.len() * 99 / 100].as_secs_f64() * 1e6;
    assert!((median - 50.0).abs() < 5.0, "median {median} µs");
    assert!((p99 - 2_000.0).abs() < 400.0, "p99 {p99} µs");
    let uniform = Durations::Uniform {
        low: us(10),
        high: us(20),
    };
    assert!((0..1_000)
        .map(|_| uniform.sample(&mut rng))
        .all(|d| (us(10)..=us(20)).contains(&d)));
    assert_eq!(uniform.mean(), us(15));
    assert!(lognormal.mean() > us(50));

    // The same seed draws the same tasks; the blocking share splits each.
    let profile = TaskProfile {
        durations: Durations::Fixed(us(100)),
        blocking: 0.25,
        payload: 0,
        seed: 1,
    };
    let a = profile.tasks(10, 2.0);
    assert_eq!(a.len(), 10);
    assert!(a
        .plan
        .iter()
        .all(|&(steps, sleep)| steps == 37_500 && sleep == us(25)));
    let other = TaskProfile {
        durations: lognormal,
        ..profile.clone()
    };
    assert_eq!(other.tasks(50, 2.0).plan, other.tasks(50, 2.0).plan);
    assert!(TaskProfile::default().describe().contains("log-normal"));
}

#[test]
fn a_profile_task_runs_and_carries_its_payload() {
    let profile = TaskProfile {
        durations: Durations::Fixed(us(20)),
        blocking: 0.5,
        payload: 10_000,
        seed: 1,
    };
    let tasks = profile.tasks(3, 1.0);
    let started = std::time::Instant::now();
    for i in 0..5 {
        (tasks.make(i))();
    }
    // Five tasks each slept 10 µs at least.
    assert!(started.elapsed() >= us(50));
}

#[test]
fn the_command_line_form_parses_whole_or_names_the_bad_setting() {
    let run = ProfileText::default().parse().unwrap();
    assert_eq!(run.profile, TaskProfile::default());
    assert_eq!(run.shape.tasks, crate::workload::DEFAULT_TASKS);
    assert_eq!(run.shape.capacities, crate::workload::default_capacities());
    assert_eq!((run.shape.submitters, run.shape.await_results), (1, false));
    assert!(run.shape.task.contains("log-normal"));

    let run = ProfileText {
        duration: Some("uniform:10us..30us"),
        blocking: Some("25%"),
        alloc: Some("4KiB"),
        tasks: Some("500"),
        submitters: Some("4"),
        capacities: Some("2,16"),
        rounds: Some("2"),
        samples: Some("3"),
        pools: Some("channel, ants-nonblocking"),
        await_results: true,
        seed: Some(9),
    }
    .parse()
    .unwrap();
    assert_eq!(run.profile.blocking, 0.25);
    assert_eq!((run.profile.payload, run.profile.seed), (4096, 9));
    assert_eq!(run.shape.capacities, [2, 16]);
    assert_eq!(
        (
            run.shape.tasks,
            run.shape.submitters,
            run.shape.rounds,
            run.shape.samples
        ),
        (500, 4, 2, 3)
    );
    assert!(run.shape.await_results);
    assert_eq!(run.shape.pools.unwrap().len(), 2);

    let bad = |text: ProfileText<'_>| text.parse().unwrap_err();
    assert_eq!(
        bad(ProfileText {
            tasks: Some("0"),
            ..Default::default()
        }),
        ProfileError::Count {
            what: "tasks",
            given: "0".into()
        }
    );
    assert_eq!(
        bad(ProfileText {
            capacities: Some("2,x"),
            ..Default::default()
        }),
        ProfileError::Count {
            what: "capacities",
            given: "x".into()
        }
    );
    assert_eq!(
        bad(ProfileText {
            blocking: Some("2"),
            ..Default::default()
        }),
        ProfileError::Share { given: "2".into() }
    );
    assert_eq!(
        bad(ProfileText {
            alloc: Some("4 kilobytes"),
            ..Default::default()
        }),
        ProfileError::Size {
            given: "4 kilobytes".into()
        }
    );
    assert_eq!(
        bad(ProfileText {
            duration: Some("normal:5us"),
            ..Default::default()
        }),
        ProfileError::UnknownDistribution {
            given: "normal".into()
        }
    );
    let unknown = bad(ProfileText {
        pools: Some("channel,tokio"),
        ..Default::default()
    });
    assert!(
        matches!(&unknown, ProfileError::UnknownPool { name, .. } if name == "tokio"),
        "{unknown:?}"
    );
    assert!(
        unknown.to_string().contains("ants-nonblocking"),
        "{unknown}"
    );
    assert_eq!(
        bad(ProfileText {
            pools: Some(","),
            ..Default::default()
        }),
        ProfileError::EmptyList { what: "pools" }
    );
}

#[test]
fn a_run_prints_the_command_that_measures_it_again() {
    for spec in [
        "fixed:1500ns",
        "uniform:10us..2ms",
        "lognormal:median=50us,p99=1s",
    ] {
        let d: Durations = spec.parse().unwrap();
        assert_eq!(d.spec(), spec);
    }
    let run = ProfileText {
        duration: Some("uniform:10us..30us"),
        capacities: Some("2,16"),
        pools: Some("channel,ants"),
        await_results: true,
        ..Default::default()
    }
    .parse()
    .unwrap();
    let command = run.command();
    let args: Vec<&str> = command.split(' ').collect();
    let value = |flag: &str| args[args.iter().position(|a| *a == flag).unwrap() + 1];
    let again = ProfileText {
        duration: Some(value("--duration")),
        blocking: Some(value("--blocking")),
        alloc: Some(value("--alloc")),
        tasks: Some(value("--tasks")),
        submitters: Some(value("--submitters")),
        capacities: Some(value("--capacities")),
        rounds: Some(value("--rounds")),
        samples: Some(value("--samples")),
        pools: Some(value("--pools")),
        await_results: args.contains(&"--await-results"),
        seed: value("--seed").parse().ok(),
    }
    .parse()
    .unwrap();
    assert_eq!(again, run);
}
