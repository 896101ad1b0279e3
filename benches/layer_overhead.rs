//! Benchmark 1: what `PortalLinkLayer` costs a request it mints nothing for.
//!
//! - `tower/*`: a trivial service (answers an empty 200 at once) bare, and
//!   behind the layer with a method the layer does not mint for.
//! - `axum/*`: an axum `Router` without the layer, and the same router with
//!   the layer as a `route_layer` on `/settings`: a request to a route outside
//!   the `route_layer` (`/health`), and a `HEAD /settings` (not minted).
//!
//! Every future here is ready at its first poll, so each request is driven
//! with `now_or_never`: no runtime, no scheduler noise. Requests are built
//! outside the timed part (`iter_batched`); dropping them is inside, as in a
//! server.
//!
//! Target: layered / bare <= 1.02x. The `RATIO` lines at the end come from
//! alternating blocks of the two variants (see `support::paired`).

mod support;

use std::convert::Infallible;
use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use criterion::{BatchSize, Criterion};
use futures_util::FutureExt;
use http::{Method, Request, Response};
use scalekit_tower::{Feature, OrganizationId, PortalLinkLayer, resolve};
use tower::{Layer, Service, ServiceExt, service_fn};

use support::{Paired, Target, paired, report, scaled};

fn org() -> OrganizationId {
    OrganizationId::new("org_70400000000000001").expect("a valid id")
}

fn layer() -> PortalLinkLayer<resolve::Fixed> {
    PortalLinkLayer::new(support::offline_client(), resolve::fixed(org()))
        .with_features([Feature::Sso, Feature::DirSync])
}

fn trivial_request(method: Method) -> Request<()> {
    Request::builder()
        .method(method)
        .uri("/settings")
        .body(())
        .expect("a valid request")
}

fn axum_request(method: Method, path: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .expect("a valid request")
}

/// Drives one request through `service`; every future involved is ready at once.
fn call_now<S, B>(service: &mut S, request: Request<B>) -> S::Response
where
    S: Service<Request<B>, Error = Infallible>,
{
    let service = service
        .ready()
        .now_or_never()
        .expect("ready at once")
        .expect("infallible");
    service
        .call(request)
        .now_or_never()
        .expect("answers at once")
        .expect("infallible")
}

async fn ok() -> &'static str {
    "ok"
}

// `with_state(())` turns the handlers into routes once, as `axum::serve`
// does; a `Router` called without it would rebuild every route (and apply
// every route layer) on each request.
fn bare_router() -> Router {
    Router::new()
        .route("/settings", get(ok))
        .route("/health", get(ok))
        .with_state(())
}

/// The same routes with a `route_layer` that does nothing: what axum itself
/// charges for any route layer (a boxed route more per request).
fn noop_layered_router() -> Router {
    Router::new()
        .route("/settings", get(ok))
        .route_layer(tower::layer::util::Identity::new())
        .route("/health", get(ok))
        .with_state(())
}

/// The same routes with the thinnest real middleware (a `MapResponse` that
/// returns the response as it is): the floor any tower middleware pays, with
/// its own service and future, in axum and out of it.
fn passthrough_layer()
-> tower::util::MapResponseLayer<fn(axum::response::Response) -> axum::response::Response> {
    tower::util::MapResponseLayer::new(std::convert::identity)
}

fn passthrough_router() -> Router {
    Router::new()
        .route("/settings", get(ok))
        .route_layer(passthrough_layer())
        .route("/health", get(ok))
        .with_state(())
}

fn layered_router() -> Router {
    Router::new()
        .route("/settings", get(ok))
        .route_layer(layer())
        .route("/health", get(ok))
        .with_state(())
}

fn bench(c: &mut Criterion) {
    let trivial =
        || service_fn(|_: Request<()>| std::future::ready(Ok::<_, Infallible>(Response::new(()))));

    let mut group = c.benchmark_group("layer_overhead/tower");
    let mut bare = trivial();
    group.bench_function("bare", |b| {
        b.iter_batched(
            || trivial_request(Method::HEAD),
            |request| call_now(&mut bare, request),
            BatchSize::SmallInput,
        )
    });
    let mut layered = layer().layer(trivial());
    group.bench_function("layered_HEAD_not_minted", |b| {
        b.iter_batched(
            || trivial_request(Method::HEAD),
            |request| call_now(&mut layered, request),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("layer_overhead/axum");
    let mut bare = bare_router();
    let mut noop = noop_layered_router();
    let mut layered = layered_router();
    for (name, method, path) in [
        ("outside_route_layer", Method::GET, "/health"),
        ("HEAD_not_minted", Method::HEAD, "/settings"),
    ] {
        group.bench_function(format!("bare/{name}"), |b| {
            b.iter_batched(
                || axum_request(method.clone(), path),
                |request| call_now(&mut bare, request),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("noop_route_layer/{name}"), |b| {
            b.iter_batched(
                || axum_request(method.clone(), path),
                |request| call_now(&mut noop, request),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("layered/{name}"), |b| {
            b.iter_batched(
                || axum_request(method.clone(), path),
                |request| call_now(&mut layered, request),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

/// Time per request of `BLOCK` requests through `service`, requests built
/// beforehand.
fn block<S, B>(
    service: &mut S,
    make: &dyn Fn() -> Request<B>,
    requests: &mut Vec<Request<B>>,
) -> Duration
where
    S: Service<Request<B>, Error = Infallible>,
{
    const BLOCK: usize = 2_000;
    requests.extend((0..BLOCK).map(|_| make()));
    let started = Instant::now();
    for request in requests.drain(..) {
        black_box(call_now(service, request));
    }
    started.elapsed() / BLOCK as u32
}

/// Runs the layered service against a baseline in alternating blocks and
/// prints the ratio.
fn compare<L, F, B>(
    name: &str,
    (layered, baseline): (&mut L, &mut F),
    baseline_label: &str,
    make: &dyn Fn() -> Request<B>,
    target: Target,
) where
    L: Service<Request<B>, Error = Infallible>,
    F: Service<Request<B>, Error = Infallible>,
{
    let (mut reqs_a, mut reqs_b) = (Vec::new(), Vec::new());
    let result: Paired = paired(
        scaled(41),
        || block(layered, make, &mut reqs_a),
        || block(baseline, make, &mut reqs_b),
    );
    report(name, "layered", baseline_label, result, target);
}

fn ratios() {
    let trivial =
        || service_fn(|_: Request<()>| std::future::ready(Ok::<_, Infallible>(Response::new(()))));
    let trivial_head = || trivial_request(Method::HEAD);
    let axum_head = || axum_request(Method::HEAD, "/settings");

    compare(
        "1 layer_overhead/tower (HEAD, not minted)",
        (&mut layer().layer(trivial()), &mut trivial()),
        "bare",
        &trivial_head,
        Target::AtMost(1.02),
    );
    for (name, method, path) in [
        ("outside route_layer", Method::GET, "/health"),
        ("HEAD /settings, not minted", Method::HEAD, "/settings"),
    ] {
        compare(
            &format!("1 layer_overhead/axum ({name})"),
            (&mut layered_router(), &mut bare_router()),
            "bare",
            &|| axum_request(method.clone(), path),
            Target::AtMost(1.02),
        );
    }
    compare(
        "1 layer_overhead/axum (HEAD /settings, vs a pass-through route_layer)",
        (&mut layered_router(), &mut passthrough_router()),
        "passthrough",
        &axum_head,
        Target::None,
    );
    let passthrough = tower::util::MapResponseLayer::new(std::convert::identity::<Response<()>>);
    compare(
        "1 layer_overhead/tower (HEAD, vs a pass-through middleware)",
        (
            &mut layer().layer(trivial()),
            &mut passthrough.layer(trivial()),
        ),
        "passthrough",
        &trivial_head,
        Target::None,
    );
    compare(
        "1 layer_overhead/axum (HEAD /settings, vs a no-op route_layer)",
        (&mut layered_router(), &mut noop_layered_router()),
        "noop",
        &axum_head,
        Target::None,
    );
}

fn main() {
    let mut c = support::criterion();
    bench(&mut c);
    c.final_summary();
    if support::profiling() {
        return;
    }
    ratios();
}
