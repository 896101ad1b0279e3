//! Benchmark 10: what one minted settings page costs the app, the kit against
//! the floor, counted rather than timed (the machine is shared; counts do
//! not move with its load).
//!
//! - `kit`: the settings route of `examples/minimal.rs`: `PortalLinkLayer`
//!   (`resolve::fixed`) as `route_layer`, the `PortalLink` extractor,
//!   `render_portal` into the page;
//! - `floor`: the route of `benches/side-by-side/floor`: one plain `reqwest`
//!   PUT with a token fetched beforehand, the JSON read into a struct, a
//!   small page with the iframe;
//! - the kit's pieces: `client` (`Client::generate_portal_link` alone) and
//!   `render` (`render_portal` alone, for a link minted beforehand).
//!
//! Each page goes through the router with `oneshot` (no server socket: both
//! apps would pay the same for it), on one current-thread runtime. The
//! emulator runs in a child process (this binary, started again), so its
//! allocations and instructions are not counted.
//!
//! Allocations per page come from `stats_alloc`'s instrumented system
//! allocator (this binary's global allocator). Instructions per page come
//! from callgrind, with collection switched on only inside `measured`:
//!
//! ```sh
//! cargo bench --bench page_cost                      # allocations per page
//! PAGE_COST_VARIANT=kit PAGE_COST_PAGES=2000 valgrind --tool=callgrind \
//!   --collect-atstart=no '--toggle-collect=*page_cost*measured*' \
//!   target/release/deps/page_cost-HASH --bench      # instructions: total / 2000
//! ```

mod support;

use std::alloc::System;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::response::Html;
use axum::routing::get;
use http::Request;
use http_body_util::BodyExt;
use scalekit_axum_extract::PortalLink;
use scalekit_tower::template::{PortalEmbed, render_portal};
use scalekit_tower::{Client, Config, OrganizationId, PortalLinkLayer, resolve};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tokio::runtime::Runtime;
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Set in the child process that runs the emulator.
const CHILD: &str = "PAGE_COST_EMULATOR";

/// The emulator in its own process, for as long as this value lives.
struct Upstream {
    child: Child,
    base_url: String,
    client_id: String,
    client_secret: String,
}

impl Upstream {
    fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().expect("this binary"))
            .env(CHILD, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the emulator process starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("piped"))
            .read_line(&mut line)
            .expect("the emulator prints its address");
        let mut fields = line.split_whitespace().map(str::to_owned);
        let mut next = || fields.next().expect("url, client id and secret");
        Self {
            base_url: next(),
            client_id: next(),
            client_secret: next(),
            child,
        }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        // Closing its stdin ends the child.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The child: an emulator until stdin closes.
fn run_emulator() {
    let runtime = runtime();
    runtime.block_on(async {
        let emulator = scalekit_emulator::Emulator::builder()
            .start()
            .await
            .expect("emulator starts");
        println!(
            "{} {} {}",
            emulator.base_url(),
            emulator.client_id(),
            emulator.client_secret()
        );
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        })
        .await
        .expect("stdin reader");
    });
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The kit's settings page, as in `examples/minimal.rs`.
async fn kit_settings(PortalLink(link): PortalLink) -> Html<String> {
    let portal = render_portal(Some(&link), &PortalEmbed::new());
    Html(
        [
            "<!doctype html><title>Settings</title><h1>Single sign-on</h1>",
            &portal,
            "<p><a href=\"",
            PortalEmbed::DEFAULT_HANDOFF_URL,
            "\" target=\"_blank\">Open in a new tab</a></p>",
        ]
        .concat(),
    )
}

/// The floor's page, the same code `benches/side-by-side/floor` serves.
#[path = "side-by-side/floor/src/page.rs"]
mod floor;

struct Apps {
    kit: Router,
    floor: Router,
    client: Client,
    org: OrganizationId,
    /// A link minted at setup, for `render`.
    link: scalekit_tower::PortalLink,
}

async fn apps(upstream: &Upstream) -> Apps {
    let config = Config::builder()
        .environment_url(upstream.base_url.as_str())
        .client_id(upstream.client_id.as_str())
        .client_secret(upstream.client_secret.as_str())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a valid config");
    let client = Client::new(config).expect("the client builds");
    let org: OrganizationId = scalekit_emulator::demo::ACME_ID
        .parse()
        .expect("a valid id");
    let kit = Router::new()
        .route("/settings", get(kit_settings))
        .route_layer(PortalLinkLayer::new(
            client.clone(),
            resolve::fixed(org.clone()),
        ))
        .with_state(());
    let floor = Router::new()
        .route("/settings", get(floor::settings))
        .with_state(
            floor::Floor::start(
                &upstream.base_url,
                &upstream.client_id,
                &upstream.client_secret,
                org.as_str(),
            )
            .await
            .expect("the floor gets its token"),
        );
    let link = client
        .generate_portal_link(&org, &[])
        .await
        .expect("minted");
    Apps {
        kit,
        floor,
        client,
        org,
        link,
    }
}

/// One GET /settings through `app`; returns the page's length.
async fn page(app: &Router) -> usize {
    let request = Request::get("/settings")
        .body(Body::empty())
        .expect("a valid request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert!(response.status().is_success(), "{}", response.status());
    let body = response.into_body().collect().await.expect("body");
    body.to_bytes().len()
}

/// The variants, by name: one page (or piece) each.
async fn one(apps: &Apps, variant: &str) -> usize {
    match variant {
        "kit" => page(&apps.kit).await,
        "floor" => page(&apps.floor).await,
        "client" => {
            let link = apps
                .client
                .generate_portal_link(&apps.org, &[])
                .await
                .expect("minted");
            link.location().as_str().len()
        }
        "render" => black_box(render_portal(Some(&apps.link), &PortalEmbed::new())).len(),
        other => panic!("unknown variant {other}: kit, floor, client or render"),
    }
}

/// `pages` pages of `variant`; callgrind counts inside this function only.
#[inline(never)]
fn measured(runtime: &Runtime, apps: &Apps, variant: &str, pages: usize) {
    runtime.block_on(async {
        for _ in 0..pages {
            black_box(one(apps, variant).await);
        }
    });
}

/// Allocations and bytes per page of `variant` over `pages` pages.
fn counted(runtime: &Runtime, apps: &Apps, variant: &str, pages: usize) -> (f64, f64) {
    let region = Region::new(GLOBAL);
    measured(runtime, apps, variant, pages);
    per_page(region.change(), pages)
}

fn per_page(change: stats_alloc::Stats, pages: usize) -> (f64, f64) {
    let per = |x: usize| x as f64 / pages as f64;
    (
        per(change.allocations + change.reallocations),
        per(change.bytes_allocated + change.bytes_reallocated.max(0) as usize),
    )
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        return run_emulator();
    }
    let upstream = Upstream::start();
    let runtime = runtime();
    let apps = runtime.block_on(apps(&upstream));
    const VARIANTS: [&str; 4] = ["kit", "floor", "client", "render"];
    // Warm the token cache, the connection pools and lazily built statics
    // (outside `measured`, so callgrind does not count it).
    runtime.block_on(async {
        for variant in VARIANTS {
            for _ in 0..50 {
                one(&apps, variant).await;
            }
        }
    });
    if let Ok(variant) = std::env::var("PAGE_COST_VARIANT") {
        let pages = std::env::var("PAGE_COST_PAGES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_000);
        measured(&runtime, &apps, &variant, pages);
        println!("PAGES {variant}: {pages} (divide callgrind's total by this)");
        return;
    }
    let pages = support::scaled(2_000);
    for variant in VARIANTS {
        let (allocations, bytes) = counted(&runtime, &apps, variant, pages);
        println!(
            "ALLOCATIONS page_cost/{variant}: {allocations:.1} allocations (incl. reallocations), \
             {bytes:.0} bytes per page, over {pages} pages"
        );
    }
}
