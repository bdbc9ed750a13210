//! The weighted request mix: what each scheduled request is (method, path, body).
//!
//! A request is given as `"WEIGHT METHOD PATH [BODY]"`; every `{key}` in the path or body
//! becomes a random key number below `--keys`, so reads and writes spread over the records.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request};

const KEY_PLACEHOLDER: &str = "{key}";

/// One kind of request and its share of the load.
#[derive(Debug, Clone)]
pub struct Template {
    weight: u32,
    method: Method,
    path: Vec<String>,
    body: Option<Vec<String>>,
}

impl Template {
    /// Parses `"WEIGHT METHOD PATH [BODY]"`; the body is the rest of the line, spaces included.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.trim().splitn(4, ' ');
        let (weight, method, path) = match (parts.next(), parts.next(), parts.next()) {
            (Some(weight), Some(method), Some(path)) => (weight, method, path),
            _ => {
                return Err(format!(
                    "request {text:?} is not \"WEIGHT METHOD PATH [BODY]\""
                ))
            }
        };
        let weight: u32 = weight.parse().ok().filter(|w| *w > 0).ok_or_else(|| {
            format!("weight {weight:?} of request {text:?} is not a positive integer")
        })?;
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| format!("method {method:?} of request {text:?} is not an HTTP method"))?;
        if !path.starts_with('/') {
            return Err(format!(
                "path {path:?} of request {text:?} does not start with /"
            ));
        }
        Ok(Self {
            weight,
            method,
            path: split(path),
            body: parts
                .next()
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(split),
        })
    }

    fn build(&self, host: &str, key: u64) -> Request<Full<Bytes>> {
        let builder = Request::builder()
            .method(self.method.clone())
            .uri(fill(&self.path, key))
            .header(HOST, host);
        let built = match &self.body {
            Some(body) => builder
                .header(CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(fill(body, key)))),
            None => builder.body(Full::new(Bytes::new())),
        };
        built.expect("method, path and headers were validated when parsed")
    }
}

/// The templates with their cumulative weights, for a weighted random pick.
#[derive(Debug, Clone)]
pub struct Mix {
    templates: Vec<Template>,
    cumulative: Vec<u32>,
    keys: u64,
    host: String,
}

impl Mix {
    pub fn new(templates: Vec<Template>, keys: u64, host: String) -> Result<Self, String> {
        if templates.is_empty() {
            return Err("no --request given".into());
        }
        if keys == 0 {
            return Err("--keys must be at least 1".into());
        }
        let mut total = 0u32;
        let mut cumulative = Vec::with_capacity(templates.len());
        for template in &templates {
            total = total
                .checked_add(template.weight)
                .ok_or("the request weights add up to more than 2^32")?;
            cumulative.push(total);
        }
        Ok(Self {
            templates,
            cumulative,
            keys,
            host,
        })
    }

    /// A request drawn by weight, its `{key}`s filled with one random key.
    pub fn pick(&self, rng: &mut fastrand::Rng) -> Request<Full<Bytes>> {
        let total = *self.cumulative.last().expect("at least one template");
        let point = rng.u32(0..total);
        let index = self.cumulative.partition_point(|&edge| edge <= point);
        self.templates[index].build(&self.host, rng.u64(0..self.keys))
    }
}

fn split(text: &str) -> Vec<String> {
    text.split(KEY_PLACEHOLDER).map(str::to_owned).collect()
}

fn fill(pieces: &[String], key: u64) -> String {
    pieces.join(&key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_method_path_and_a_body_with_spaces() {
        let template = Template::parse("3 PUT /p/{key} {\"name\": \"n {key}\"}").unwrap();
        let request = template.build("h:1", 7);
        assert_eq!(request.method(), Method::PUT);
        assert_eq!(request.uri(), "/p/7");
        assert_eq!(request.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(
            template.body.as_ref().map(|b| fill(b, 7)).unwrap(),
            "{\"name\": \"n 7\"}"
        );
    }

    #[test]
    fn refuses_bad_requests_naming_the_part() {
        assert!(Template::parse("0 GET /x")
            .unwrap_err()
            .contains("weight \"0\""));
        assert!(Template::parse("1 G@T /x")
            .unwrap_err()
            .contains("method \"G@T\""));
        assert!(Template::parse("1 GET x")
            .unwrap_err()
            .contains("path \"x\""));
        assert!(Template::parse("1 GET")
            .unwrap_err()
            .contains("WEIGHT METHOD PATH"));
    }

    #[test]
    fn picks_by_weight() {
        let templates = vec![
            Template::parse("1 GET /a").unwrap(),
            Template::parse("3 GET /b").unwrap(),
        ];
        let mix = Mix::new(templates, 10, "h".into()).unwrap();
        let mut rng = fastrand::Rng::with_seed(1);
        let b = (0..4000)
            .filter(|_| mix.pick(&mut rng).uri() == "/b")
            .count();
        assert!(
            (2700..3300).contains(&b),
            "{b} of 4000 went to the weight-3 request"
        );
    }
}
