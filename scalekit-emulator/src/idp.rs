//! `scalekit-emulator idp push`: plays a customer's identity provider
//! against a running emulator, making the real SCIM 2.0 calls Okta makes
//! (look-up, create, group create with members) so the app receives
//! directory users, groups and their webhooks without hand-written SCIM.
//!
//! With `--token` it uses that directory secret (copied from the portal);
//! otherwise it enables the organization's directory and creates a secret
//! over the REST API with the client credentials the emulator printed.

use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// `idp push` options.
#[derive(Args, Debug)]
pub(crate) struct PushArgs {
    /// The running emulator's base URL (http only).
    #[arg(
        long,
        env = "SCALEKIT_ENVIRONMENT_URL",
        default_value = "http://127.0.0.1:8787"
    )]
    url: String,
    /// The organization whose directory receives the users (org_...).
    #[arg(long, value_name = "ORG")]
    organization: String,
    /// The directory (dir_...); default: the organization's.
    #[arg(long, value_name = "DIR")]
    directory: Option<String>,
    /// The directory's SCIM secret; default: enable the directory and create one.
    #[arg(long, value_name = "SECRET", hide_env_values = true)]
    token: Option<String>,
    /// Client id for the REST calls (when no --token).
    #[arg(long, env = "SCALEKIT_CLIENT_ID", value_name = "ID")]
    client_id: Option<String>,
    /// Client secret for the REST calls (when no --token).
    #[arg(
        long,
        env = "SCALEKIT_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    client_secret: Option<String>,
    /// How many users to provision.
    #[arg(long, default_value_t = 10)]
    users: usize,
    /// How many groups to create (users are spread over them).
    #[arg(long, default_value_t = 2)]
    groups: usize,
}

type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// One JSON call: `(status, body)`.
async fn call(
    http: &Http,
    method: &str,
    url: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: Option<String>,
) -> Result<(u16, Value), String> {
    let mut request = http::Request::builder().method(method).uri(url);
    if let Some(bearer) = bearer {
        request = request.header("authorization", format!("Bearer {bearer}"));
    }
    if body.is_some() {
        request = request.header("content-type", content_type);
    }
    let request = request
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|error| format!("{url}: {error}"))?;
    let response = http
        .request(request)
        .await
        .map_err(|error| format!("{method} {url}: {error} (is the emulator running there?)"))?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|error| format!("{url}: {error}"))?
        .to_bytes();
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// A 2xx answer's body, or an error naming the call.
fn ok(what: &str, (status, body): (u16, Value)) -> Result<Value, String> {
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err(format!("{what} answered {status}: {body}"))
    }
}

/// The directory id and a SCIM secret, from the REST API.
async fn connect(http: &Http, args: &PushArgs) -> Result<(String, String), String> {
    let (Some(id), Some(secret)) = (&args.client_id, &args.client_secret) else {
        return Err("pass --token, or the client credentials (SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET) to create one".into());
    };
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", id)
        .append_pair("client_secret", secret)
        .finish();
    let token = ok(
        "the token endpoint",
        call(
            http,
            "POST",
            &format!("{}/oauth/token", args.url),
            None,
            "application/x-www-form-urlencoded",
            Some(form),
        )
        .await?,
    )?;
    let token = token["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let org = format!(
        "{}/api/v1/organizations/{}/directories",
        args.url, args.organization
    );
    let directory = match &args.directory {
        Some(directory) => directory.clone(),
        None => {
            let created = ok(
                "creating the directory",
                call(
                    http,
                    "POST",
                    &org,
                    Some(&token),
                    "application/json",
                    Some("{}".into()),
                )
                .await?,
            )?;
            created["directory"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    let path = format!("{org}/{directory}");
    ok(
        "enabling the directory",
        call(
            http,
            "PATCH",
            &format!("{path}:enable"),
            Some(&token),
            "application/json",
            None,
        )
        .await?,
    )?;
    let secret = ok(
        "creating the secret",
        call(
            http,
            "POST",
            &format!("{path}/secrets"),
            Some(&token),
            "application/json",
            None,
        )
        .await?,
    )?;
    Ok((
        directory,
        secret["plain_secret"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    ))
}

/// Runs `idp push`; prints what it provisioned.
pub(crate) async fn push(args: PushArgs) -> Result<(), String> {
    if !args.url.starts_with("http://") {
        return Err(format!(
            "--url {:?}: idp push speaks plain http to a local emulator",
            args.url
        ));
    }
    let args = PushArgs {
        url: args.url.trim_end_matches('/').to_owned(),
        ..args
    };
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let (directory, secret) = match (&args.token, &args.directory) {
        (Some(token), Some(directory)) => (directory.clone(), token.clone()),
        (Some(_), None) => return Err("--token needs --directory".into()),
        _ => connect(&http, &args).await?,
    };
    let scim = format!("{}/api/v1/directories/{directory}/scim/v2", args.url);
    let scim_call = |method: &'static str, path: String, body: Value| {
        let (http, scim, secret) = (&http, &scim, &secret);
        async move {
            call(
                http,
                method,
                &format!("{scim}{path}"),
                Some(secret),
                "application/scim+json",
                Some(body.to_string()),
            )
            .await
        }
    };
    let domain = format!("{}.test", args.organization.replace('_', "-"));
    let mut user_ids = Vec::new();
    for n in 1..=args.users {
        let user_name = format!("user{n}@{domain}");
        // Okta looks a user up before creating it.
        let filter = format!(
            "/Users?filter=userName%20eq%20%22{}%22",
            user_name.replace('@', "%40")
        );
        let (_, found) = call(
            &http,
            "GET",
            &format!("{scim}{filter}"),
            Some(&secret),
            "",
            None,
        )
        .await?;
        if let Some(id) = found["Resources"][0]["id"].as_str() {
            user_ids.push(id.to_owned());
            continue;
        }
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "externalId": format!("idp-{n}"),
            "name": {"givenName": format!("User{n}"), "familyName": "Example"},
            "emails": [{"value": user_name, "type": "work", "primary": true}],
            "active": true,
        });
        let created = ok(
            &format!("creating {user_name}"),
            scim_call("POST", "/Users".into(), user).await?,
        )?;
        user_ids.push(created["id"].as_str().unwrap_or_default().to_owned());
    }
    for k in 1..=args.groups {
        let members: Vec<Value> = user_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % args.groups == k - 1)
            .map(|(_, id)| json!({"value": id}))
            .collect();
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": format!("Group {k}"),
            "members": members,
        });
        ok(
            &format!("creating Group {k}"),
            scim_call("POST", "/Groups".into(), group).await?,
        )?;
    }
    println!("SCIM endpoint: {scim}");
    println!(
        "pushed {} users and {} groups to {directory}",
        user_ids.len(),
        args.groups
    );
    Ok(())
}
