//! The floor of `benches/side-by-side/run.sh`: the settings page written by
//! hand, without the kit (see `page.rs`).
//!
//! Reads the `SCALEKIT_*` lines the emulator prints and
//! `SCALEKIT_ORGANIZATION_ID`; listens on 127.0.0.1:`PORT` (default 0, a
//! free port) and prints `open http://ADDR/settings`.
use axum::{Router, routing::get};

mod page;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

#[tokio::main]
async fn main() {
    let floor = page::Floor::start(
        &var("SCALEKIT_ENVIRONMENT_URL"),
        &var("SCALEKIT_CLIENT_ID"),
        &var("SCALEKIT_CLIENT_SECRET"),
        &var("SCALEKIT_ORGANIZATION_ID"),
    )
    .await
    .expect("the token endpoint answers 200 with a token");
    let port = std::env::var("PORT").map_or(0, |port| port.parse().expect("PORT is a port"));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("a free port");
    println!("open http://{}/settings", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/settings", get(page::settings))
        .with_state(floor);
    axum::serve(listener, app).await.unwrap();
}
