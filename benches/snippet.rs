//! Benchmark 5: rendering the portal snippet (iframe + status box + listener
//! script) for one link, per render, and the heap allocations per render,
//! with the listener as the cached asset (the default: a configuration
//! element and a `<script src integrity>`) and inline (the whole script in
//! the page).
//!
//! - `render_portal`: `scalekit_tower::template::render_portal`, for apps
//!   with another template engine;
//! - `minijinja_include`: a page template that is only
//!   `{% include "scalekit/portal.html" %}`, rendered in the app's own
//!   environment with `template::context`;
//! - `*_inline`: the same with `PortalEmbed::with_inline_listener`.
//!
//! Allocations are counted by `stats_alloc`'s instrumented system allocator,
//! installed as this binary's global allocator (its own binary, so it slows
//! no other bench).

mod support;

use std::alloc::System;
use std::hint::black_box;

use criterion::Criterion;
use minijinja::{Environment, context};
use scalekit_tower::PortalLink;
use scalekit_tower::template::{self, PortalEmbed};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn link() -> PortalLink {
    PortalLink::new(
        "lnk_70400000000000123",
        "http://127.0.0.1:4010/magicLink/8930509d-6a5c-4c0e-9f1e-2b8f0a7d6c11"
            .parse()
            .expect("a URL"),
        time::OffsetDateTime::now_utc(),
    )
}

fn embed() -> PortalEmbed {
    PortalEmbed::new()
        .with_refresh_url("/settings/portal/refresh")
        .with_nonce("q1w2e3r4t5y6u7i8")
}

fn app_env() -> Environment<'static> {
    let mut env = Environment::new();
    template::register(&mut env).expect("templates register");
    env.add_template("settings.html", r#"{% include "scalekit/portal.html" %}"#)
        .expect("page template parses");
    env
}

fn render_with(env: &Environment<'_>, link: &PortalLink, embed: &PortalEmbed) -> String {
    env.get_template("settings.html")
        .and_then(|t| t.render(context! { scalekit => template::context(Some(link), embed) }))
        .expect("renders")
}

/// Allocations, and bytes allocated, per call of `f` over `n` calls.
fn allocations(n: usize, mut f: impl FnMut() -> String) -> (f64, f64, usize) {
    let len = f().len(); // warm lazily initialised statics
    let region = Region::new(GLOBAL);
    for _ in 0..n {
        black_box(f());
    }
    let change = region.change();
    let per = |x: usize| x as f64 / n as f64;
    (
        per(change.allocations + change.reallocations),
        per(change.bytes_allocated + change.bytes_reallocated.max(0) as usize),
        len,
    )
}

fn main() {
    let (link, embed, env) = (link(), embed(), app_env());
    let inline = embed.clone().with_inline_listener();
    for embed in [&embed, &inline] {
        assert_eq!(
            render_with(&env, &link, embed),
            template::render_portal(Some(&link), embed),
            "both paths render the same HTML"
        );
    }

    let mut c: Criterion = support::criterion();
    let mut group = c.benchmark_group("snippet");
    group.bench_function("render_portal", |b| {
        b.iter(|| template::render_portal(Some(black_box(&link)), &embed))
    });
    group.bench_function("minijinja_include", |b| {
        b.iter(|| render_with(&env, black_box(&link), &embed))
    });
    group.bench_function("render_portal_inline", |b| {
        b.iter(|| template::render_portal(Some(black_box(&link)), &inline))
    });
    group.bench_function("minijinja_include_inline", |b| {
        b.iter(|| render_with(&env, black_box(&link), &inline))
    });
    group.finish();
    c.final_summary();

    let n = support::scaled(1_000);
    for (name, (allocs, bytes, len)) in [
        (
            "render_portal",
            allocations(n, || template::render_portal(Some(&link), &embed)),
        ),
        (
            "minijinja_include",
            allocations(n, || render_with(&env, &link, &embed)),
        ),
        (
            "render_portal_inline",
            allocations(n, || template::render_portal(Some(&link), &inline)),
        ),
        (
            "minijinja_include_inline",
            allocations(n, || render_with(&env, &link, &inline)),
        ),
    ] {
        println!(
            "ALLOCATIONS snippet/{name}: {allocs:.1} allocations (incl. reallocations), {bytes:.0} bytes per render; output {len} bytes"
        );
    }
}
