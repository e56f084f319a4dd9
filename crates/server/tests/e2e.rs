//! The web console in a real headless Chromium, driven through chromedriver over
//! the W3C WebDriver protocol, against the real server on a loopback port with a
//! real SQLite log.
//!
//! The WebDriver client is the few calls below over the `reqwest` the API tests
//! already use: the protocol is plain JSON over HTTP, and a client crate
//! (fantoccini and its hyper/webdriver/cookie stack) would add compile time for
//! nothing these tests need.
//!
//! Without chromium and chromedriver the browser tests print
//! "SKIPPED: no chromium/chromedriver" and pass, unless `CI=true`, where they fail.
//! Screenshots go to target/e2e-screenshots/.

mod common;
use common::{unique, Server};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};

// ------------------------------------------------------------------ server

impl Server {
    fn start() -> Server {
        Server::launch(Default::default(), None)
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.base);
        let mut r = match method {
            "GET" => self.http.get(url),
            "POST" => self.http.post(url),
            m => panic!("{m}"),
        };
        r = r.bearer_auth(token);
        if let Some(b) = body {
            r = r.body(b.to_string());
        }
        let r = r.send().unwrap();
        let s = r.status();
        let text = r.text().unwrap();
        (
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    fn token(&self, role: &str, name: &str) -> String {
        let (s, v) = self.call(
            "POST",
            "/v1/tokens",
            &self.admin,
            Some(json!({ "name": name, "role": role })),
        );
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["token"].as_str().unwrap().to_string()
    }
}

fn nyc_doc_detainer() -> Value {
    json!({
        "jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-11-09",
        "request": { "kind": "detainer", "warrant": "administrative", "place": "jail", "purpose": "civil_immigration" }
    })
}

// ------------------------------------------------------------------ browser

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const SPACE: &str = "\u{E00D}";

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// chromium and chromedriver, or None (the caller skips, or fails under CI).
fn tools() -> Option<(PathBuf, PathBuf)> {
    let browser = std::env::var_os("BRIGHTLINE_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .find_map(|n| on_path(n))
        })?;
    let driver = std::env::var_os("BRIGHTLINE_CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| on_path("chromedriver"))?;
    Some((browser, driver))
}

/// Browser tests share two cores; one Chromium at a time keeps them from timing each other out.
static BROWSER: Mutex<()> = Mutex::new(());

macro_rules! browser_or_skip {
    () => {{
        match tools() {
            Some(t) => t,
            None => {
                if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                    panic!("CI=true but chromium/chromedriver are not installed (.ci/services.sh installs them)");
                }
                println!("SKIPPED: no chromium/chromedriver");
                return;
            }
        }
    }};
}

struct Browser {
    driver: Child,
    url: String,
    session: String,
    http: Client,
    profile: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    fn start((browser, driver): (PathBuf, PathBuf)) -> Browser {
        let port = free_port();
        let mut child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let url = format!("http://127.0.0.1:{port}");
        let http = Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let t0 = Instant::now();
        loop {
            let ready = http
                .get(format!("{url}/status"))
                .send()
                .ok()
                .and_then(|r| r.json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("chromedriver exited ({status}): {err}");
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = std::env::temp_dir().join(format!(
            "bl_e2e_chromium_{}_{}",
            std::process::id(),
            unique()
        ));
        let _ = std::fs::remove_dir_all(&profile);
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": browser.to_string_lossy(),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--lang=en-US", "--window-size=1280,1000",
                         format!("--user-data-dir={}", profile.display())],
                // Exports the console offers land in the throwaway profile, not ~/Downloads.
                "prefs": { "download.default_directory": profile.join("downloads").to_string_lossy(),
                           "download.prompt_for_download": false }
            }
        }}});
        let r: Value = http
            .post(format!("{url}/session"))
            .json(&caps)
            .send()
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("new session: {e}"));
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("new session failed: {r}"))
            .to_string();
        Browser {
            driver: child,
            url,
            session,
            http,
            profile,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.url, self.session);
        let req = match method {
            "GET" => self.http.get(url),
            "POST" => self.http.post(url).json(&body.unwrap_or(json!({}))),
            "DELETE" => self.http.delete(url),
            m => panic!("{m}"),
        };
        let v: Value = req
            .send()
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"));
        if let Some(err) = v["value"]["error"].as_str() {
            panic!(
                "webdriver {method} {path}: {err}: {}",
                v["value"]["message"]
            );
        }
        v["value"].clone()
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn js(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Runs `script`, which must call `arguments[arguments.length - 1]` with its result.
    fn js_async(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Polls until `script` returns something truthy (or panics with `what` after 10 s).
    fn wait(&self, what: &str, script: &str) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self.js(script, json!([]));
            if !(v.is_null() || v == false || v == "" || v == 0) {
                return v;
            }
            if t0.elapsed() > Duration::from_secs(10) {
                self.screenshot("timeout");
                panic!("timed out waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The first element `css` matches, waiting up to 10 s for the console to
    /// render it (views are drawn after a fetch, so an element may come late).
    fn find(&self, css: &str) -> String {
        let t0 = Instant::now();
        loop {
            let v = self.cmd(
                "POST",
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            );
            if let Some(e) = v.get(0).and_then(|e| e[ELEMENT].as_str()) {
                return e.to_string();
            }
            if t0.elapsed() > Duration::from_secs(10) {
                self.screenshot("timeout");
                panic!("no element {css} after 10 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn count(&self, css: &str) -> usize {
        self.cmd(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), None);
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn clear_and_type(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/clear"), None);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn visible(&self, css: &str) -> bool {
        match self
            .cmd(
                "POST",
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .as_array()
            .and_then(|a| a.first().cloned())
        {
            Some(e) => {
                let id = e[ELEMENT].as_str().unwrap_or_default().to_string();
                self.cmd("GET", &format!("/element/{id}/displayed"), None) == true
            }
            None => false,
        }
    }

    /// Real key events to whatever has focus (no element is targeted).
    fn keys(&self, keys: &[&str]) {
        let mut actions = Vec::new();
        for k in keys {
            actions.push(json!({ "type": "keyDown", "value": k }));
            actions.push(json!({ "type": "keyUp", "value": k }));
        }
        self.cmd(
            "POST",
            "/actions",
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        );
        self.cmd("DELETE", "/actions", None);
    }

    fn active_id(&self) -> String {
        self.js(
            "return document.activeElement ? document.activeElement.id : ''",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Presses Tab until the element with `id` has focus, checking each stop shows a focus ring.
    fn tab_to(&self, id: &str, max: usize) -> usize {
        for n in 1..=max {
            self.keys(&[TAB]);
            let (active, ring) = self.focus_ring();
            if !ring {
                let style = self.js("const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth + ' ' + document.activeElement.matches(':focus')", json!([]));
                self.screenshot(&format!("no-focus-ring-{active}"));
                panic!("the focused element `{active}` shows no visible focus indicator ({style})");
            }
            if active == id {
                return n;
            }
        }
        self.screenshot(&format!("tab-to-{id}"));
        panic!(
            "{id} not reached with {max} presses of Tab (stopped at `{}`)",
            self.active_id()
        );
    }

    /// The focused element and whether it draws a visible outline.
    fn focus_ring(&self) -> (String, bool) {
        let v = self.js(
            "const e = document.activeElement; if (!e || e === document.body) return ['', true];
             // On a date field's calendar button the field itself does not match :focus;
             // the button draws the browser's own ring (checked in the screenshots).
             if (e.type === 'date' && !e.matches(':focus')) return [e.id, true];
             const s = getComputedStyle(e);
             return [e.id || e.tagName + ':' + (e.textContent || '').trim().slice(0, 30),
                     s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2];",
            json!([]),
        );
        (v[0].as_str().unwrap_or_default().to_string(), v[1] == true)
    }

    /// Types `key` into the focused <select> until it shows `value` (type-ahead, as a person would).
    fn choose_by_typing(&self, key: &str, value: &str) {
        for _ in 0..12 {
            if self.js("return document.activeElement.value", json!([])) == value {
                return;
            }
            self.keys(&[key]);
            std::thread::sleep(Duration::from_millis(60));
        }
        panic!(
            "typing {key} in #{} did not reach {value}",
            self.active_id()
        );
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let dir = screenshot_dir();
        let _ = std::fs::create_dir_all(&dir);
        let data = self.cmd("GET", "/screenshot", None);
        let png = base64_decode(data.as_str().unwrap_or_default());
        let p = dir.join(format!("{name}.png"));
        std::fs::write(&p, png).unwrap();
        p
    }

    /// The page as the browser prints it (WebDriver "Print Page"), read back:
    /// its page count and text.
    fn print(&self, name: &str) -> (usize, String) {
        let data = self.cmd("POST", "/print", Some(json!({"background": false})));
        let pdf = base64_decode(data.as_str().unwrap_or_default());
        let _ = std::fs::create_dir_all(screenshot_dir());
        std::fs::write(screenshot_dir().join(format!("{name}.pdf")), &pdf).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).unwrap_or_default();
        (pages.len(), text)
    }

    /// Resizes the window to the page's height first, so the whole page is captured.
    fn screenshot_full(&self, name: &str) -> PathBuf {
        let h = self
            .js("return document.documentElement.scrollHeight", json!([]))
            .as_u64()
            .unwrap_or(1000)
            .clamp(600, 4000);
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({ "width": 1280, "height": h + 140 })),
        );
        let p = self.screenshot(name);
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({ "width": 1280, "height": 1000 })),
        );
        p
    }

    fn sign_in(&self, base: &str, token: &str) {
        self.go(&format!("{base}/"));
        self.wait(
            "the sign-in form",
            "return !document.getElementById('view-signin').hidden",
        );
        self.type_into("#token-input", token);
        self.click("#signin-form button[type=submit]");
        self.wait("signed in", "return document.getElementById('me-role') && document.getElementById('me-role').textContent");
    }

    fn sign_out(&self) {
        self.click("#signout");
        self.wait(
            "the sign-in form",
            "return !document.getElementById('view-signin').hidden",
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.url, self.session))
            .send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("e2e-screenshots")
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn png_ok(p: &Path) {
    let b = std::fs::read(p).unwrap();
    assert!(
        b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 10_000,
        "{} is not a real screenshot",
        p.display()
    );
}

/// Every visible form control has a label, and the visible page has one h1 inside <main>.
fn assert_accessible_structure(b: &Browser, page: &str) {
    let unlabelled = b.js(
        "return [...document.querySelectorAll('input, select, textarea')]
           .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
           .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
           .map(e => e.id || e.name || e.outerHTML.slice(0, 60))",
        json!([]),
    );
    assert_eq!(unlabelled, json!([]), "{page}: controls without a label");
    let h1 = b.js(
        "return [...document.querySelectorAll('main h1')].filter(h => h.offsetParent !== null).length",
        json!([]),
    );
    assert_eq!(h1, 1, "{page}: one visible h1");
    assert_eq!(b.count("main#main"), 1);
}

/// Picks an <option> with the mouse, as a person would.
fn pick(b: &Browser, select: &str, value: &str) {
    b.click(&format!("{select} option[value=\"{value}\"]"));
    assert_eq!(
        b.js(
            &format!("return document.querySelector('{select}').value"),
            json!([])
        ),
        value
    );
}

fn check_outcome_prohibited_with_citation(b: &Browser, server: &Server, token: &str) {
    b.wait("the outcome", "return document.getElementById('outcome')");
    let line = b.text("#outcome");
    assert!(
        line.to_lowercase().contains("prohibited"),
        "outcome line: {line}"
    );
    assert!(
        b.js(
            "return document.getElementById('outcome').classList.contains('o-prohibited')",
            json!([])
        ) == true
    );
    // The outcome is announced: it sits inside the aria-live region.
    assert_eq!(
        b.js("return document.getElementById('outcome').closest('[aria-live]').getAttribute('aria-live')", json!([])),
        "polite"
    );
    let cite = "N.Y.C. Admin. Code § 9-131(b)(1)";
    let links = b.js(
        "return [...document.querySelectorAll('#result a.cite')].filter(a => a.querySelector('cite').textContent === arguments[0]).map(a => [a.href, a.target])",
        json!([cite]),
    );
    let links = links.as_array().cloned().unwrap_or_default();
    assert!(!links.is_empty(), "no link for {cite} in the reasons");
    // The link is the provision's source as the law data gives it.
    let (_, law) = server.call("GET", "/v1/laws/us-ny-nyc?date=2025-11-09", token, None);
    let sources: Vec<&str> = law["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["citation"] == cite)
        .filter_map(|p| p["source"].as_str())
        .collect();
    assert!(!sources.is_empty(), "the law data has no source for {cite}");
    for l in &links {
        let href = l[0].as_str().unwrap();
        assert!(
            href.starts_with("https://") || href.starts_with("http://"),
            "{href}"
        );
        assert!(
            sources.contains(&href),
            "{href} is not a source of {cite}: {sources:?}"
        );
        assert_eq!(l[1], "_blank");
    }
}

// ------------------------------------------------------------------ tests

#[test]
fn clerk_decides_a_nyc_doc_detainer_and_cannot_open_the_log() {
    let tools = browser_or_skip!();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start();
    let clerk = server.token("clerk", "front desk");
    let b = Browser::start(tools);

    b.go(&format!("{}/", server.base));
    b.wait(
        "the sign-in form",
        "return !document.getElementById('view-signin').hidden",
    );
    png_ok(&b.screenshot("01-sign-in"));
    // A wrong token is refused with a message, and nothing is stored.
    b.type_into("#token-input", "bl_not_a_token");
    b.click("#signin-form button[type=submit]");
    let msg = b.wait("the refusal", "return document.querySelector('#signin-msg .error') && document.querySelector('#signin-msg .error').textContent");
    assert!(msg.as_str().unwrap().contains("not known"), "{msg}");
    assert_eq!(
        b.js(
            "return sessionStorage.getItem('brightline.token')",
            json!([])
        ),
        Value::Null
    );

    b.sign_in(&server.base, &clerk);
    assert_eq!(b.text("#me-role").to_lowercase(), "clerk");
    assert_eq!(b.text("#me-name"), "front desk");
    assert_eq!(
        b.js(
            "return sessionStorage.getItem('brightline.token')",
            json!([])
        ),
        clerk.as_str()
    );

    // The form: the warrant question appears for a detainer, the information items only for information.
    b.wait(
        "the decision form",
        "return document.getElementById('f-jurisdiction')",
    );
    pick(&b, "#f-jurisdiction", "us-ny-nyc");
    pick(&b, "#f-agency", "doc");
    let agencies = b.js(
        "return [...document.querySelectorAll('#f-agency option')].map(o => o.value)",
        json!([]),
    );
    for a in ["doc", "dop", "nypd", "jail", "police"] {
        assert!(
            agencies.as_array().unwrap().iter().any(|v| v == a),
            "agency {a} missing: {agencies}"
        );
    }
    pick(&b, "#f-kind", "information");
    assert!(b.visible("#f-request-information-wrap"));
    assert!(!b.visible("#f-request-office-on-premises-wrap"));
    pick(&b, "#f-kind", "access");
    assert!(b.visible("#f-request-office-on-premises-wrap"));
    assert!(!b.visible("#f-request-information-wrap"));
    pick(&b, "#f-kind", "287g");
    assert!(!b.visible("#f-request-warrant-wrap"));
    assert!(!b.visible("#subject-facts"));
    pick(&b, "#f-kind", "detainer");
    assert!(!b.visible("#f-request-information-wrap"));
    assert!(!b.visible("#f-request-office-on-premises-wrap"));
    assert!(b.visible("#f-request-warrant-wrap"));
    assert!(b.visible("#subject-facts"));
    b.clear_and_type("#f-date", "11092025");
    assert_eq!(
        b.js("return document.getElementById('f-date').value", json!([])),
        "2025-11-09"
    );
    pick(&b, "#f-request-warrant", "administrative");
    pick(&b, "#f-request-place", "jail");
    pick(&b, "#f-request-purpose", "civil_immigration");
    // A conviction row can be added and removed.
    pick(&b, "#conv-has", "some");
    assert_eq!(b.count("#conv-rows fieldset"), 1);
    b.click("#more-facts-summary");
    pick(&b, "#charge-has", "some");
    assert_accessible_structure(&b, "decision form");
    pick(&b, "#charge-has", "");
    b.click("#more-facts-summary");
    b.click("#conv-add");
    assert_eq!(b.count("#conv-rows fieldset"), 2);
    assert_eq!(
        b.text("#conv-rows fieldset:nth-child(2) legend"),
        "Conviction 2"
    );
    b.click("#conv-rows fieldset:nth-child(2) .remove");
    b.click("#conv-rows fieldset:nth-child(1) .remove");
    pick(&b, "#conv-has", "");
    b.click("#decide-btn");
    check_outcome_prohibited_with_citation(&b, &server, &clerk);
    assert!(b.text("#result").contains("What would change the outcome"));
    assert!(
        b.count("#trace li") > 0,
        "the trace lists the provisions considered"
    );
    png_ok(&b.screenshot("02-clerk-decision"));
    png_ok(&b.screenshot_full("03-clerk-decision-full"));

    // "Decide" is a draft: nothing is logged.
    assert!(b.visible("#draft-note"), "the answer says it is a draft");
    let (s, v) = server.call("GET", "/v1/decisions", &clerk, None);
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["decisions"].as_array().unwrap().len(), 0, "{v}");
    // "Decide and record" logs it, once, however often it is pressed.
    b.click("#record-btn");
    b.wait(
        "the record",
        "return document.getElementById('recorded-note')",
    );
    b.click("#record-btn");
    b.wait("the record again", "return document.getElementById('recorded-note') && !document.getElementById('record-btn').disabled");
    let (_, v) = server.call("GET", "/v1/decisions", &clerk, None);
    assert_eq!(v["decisions"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["decisions"][0]["outcome"], "prohibited");

    // Telling ICE the release date is not what a detainer decision prohibits:
    // no warning. Recording a hold the decision prohibited asks for a
    // confirmation and a reason.
    pick(&b, "#act-kind", "notified");
    assert!(!b.visible("#act-warning"), "a notification is not a hold");
    pick(&b, "#act-kind", "held");
    assert!(b.visible("#act-warning"));
    b.click("#act-record");
    b.wait(
        "the refusal",
        "return document.querySelector('#act-msg .error')",
    );
    b.click("#act-confirm");
    b.type_into("#act-reason", "the supervisor ordered it");
    b.click("#act-record");
    let ok = b.wait(
        "the action recorded",
        "return document.getElementById('act-ok') && document.getElementById('act-ok').textContent",
    );
    assert!(ok.as_str().unwrap().contains("flagged"), "{ok}");
    let (_, v) = server.call("GET", "/v1/decisions", &clerk, None);
    assert_eq!(v["decisions"][0]["acts"], json!(["held"]), "{v}");

    // No link to the log or the reports, and the page itself refuses.
    let nav = b.js(
        "return [...document.querySelectorAll('#nav a')].map(a => a.getAttribute('href'))",
        json!([]),
    );
    assert!(
        !nav.as_array()
            .unwrap()
            .iter()
            .any(|h| h == "#log" || h == "#reports"),
        "{nav}"
    );
    assert!(nav.as_array().unwrap().iter().any(|h| h == "#law"), "{nav}");
    b.go(&format!("{}/#log", server.base));
    b.wait(
        "the refusal",
        "return !document.getElementById('view-denied').hidden",
    );
    assert!(
        b.text("#denied-msg").contains("may not open"),
        "{}",
        b.text("#denied-msg")
    );
    assert!(!b.visible("#log-table"));
    png_ok(&b.screenshot("04-clerk-log-refused"));
    for path in ["/v1/log", "/v1/log/verify", "/v1/reports"] {
        let (s, v) = server.call("GET", path, &clerk, None);
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
    }
}

#[test]
fn auditor_and_counsel_open_the_log_and_the_reports() {
    let tools = browser_or_skip!();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start();
    let clerk = server.token("clerk", "front desk");
    let auditor = server.token("auditor", "inspector general");
    let counsel = server.token("counsel", "legal");
    for _ in 0..3 {
        let (s, v) = server.call("POST", "/v1/decisions", &clerk, Some(nyc_doc_detainer()));
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let b = Browser::start(tools);

    b.sign_in(&server.base, &auditor);
    assert_eq!(b.text("#me-role").to_lowercase(), "auditor");
    // An auditor may not decide: no form, no link.
    assert_eq!(b.count("#nav a[href='#decide']"), 0);
    assert_eq!(b.count("#nav a[href='#reports']"), 0);
    b.click("#nav-log");
    b.wait(
        "the log table",
        "return document.querySelectorAll('#log-table tbody tr').length === 3",
    );
    let verdict = b.wait("the verification", "return document.getElementById('verify-verdict') && document.getElementById('verify-verdict').textContent");
    assert!(verdict.as_str().unwrap().contains("intact"), "{verdict}");
    // Four token creations (the first admin and three) precede the three decisions.
    assert!(verdict.as_str().unwrap().contains("7 entries"), "{verdict}");
    let first = b.text("#log-table tbody tr:first-child");
    assert!(
        first.contains("#7") && first.contains("us-ny-nyc") && first.contains("detainer"),
        "{first}"
    );
    assert!(first.to_lowercase().contains("prohibited"), "{first}");
    assert_accessible_structure(&b, "decision log");
    png_ok(&b.screenshot("05-auditor-log"));
    b.click("#log-table tbody tr:first-child a");
    b.wait(
        "the decision detail",
        "return document.getElementById('detail-h')",
    );
    assert_eq!(b.text("#detail-h"), "Decision #7");
    b.click("#log-detail button.secondary");
    let replay = b.wait("the replay", "return document.querySelector('#log-detail .ok') && document.querySelector('#log-detail .ok').textContent");
    assert!(
        replay.as_str().unwrap().contains("same outcome"),
        "{replay}"
    );
    png_ok(&b.screenshot_full("06-auditor-decision-detail"));
    b.sign_out();

    b.sign_in(&server.base, &counsel);
    assert_eq!(b.text("#me-role").to_lowercase(), "counsel");
    b.click("#nav-log");
    b.wait(
        "the log table",
        "return document.querySelectorAll('#log-table tbody tr').length === 3",
    );
    // Verifying the chain is the auditor's: counsel sees no verification.
    assert_eq!(b.count("#verify-out"), 0);
    let (s, _) = server.call("GET", "/v1/log/verify", &counsel, None);
    assert_eq!(s, StatusCode::FORBIDDEN);

    b.click("#nav-reports");
    b.wait(
        "the reports",
        "return document.querySelectorAll('#reports-list section').length >= 3",
    );
    let ids = b.js(
        "return [...document.querySelectorAll('#reports-list section h2')].map(h => h.id)",
        json!([]),
    );
    for r in [
        "doc-annual-detainers",
        "nypd-annual-detainers",
        "city-quarterly-immigration-enforcement",
    ] {
        assert!(
            ids.as_array()
                .unwrap()
                .iter()
                .any(|i| i == &format!("rep-{r}-h")),
            "{r}: {ids}"
        );
    }
    // The quarterly report has a quarter picker, the annual ones do not.
    assert_eq!(b.count("#rep-city-quarterly-immigration-enforcement-q"), 1);
    assert_eq!(b.count("#rep-doc-annual-detainers-q"), 0);
    b.clear_and_type("#rep-doc-annual-detainers-year", "2026");
    b.click("#rep-doc-annual-detainers-h ~ form button[type=submit]");
    let counted = b.wait(
        "the report",
        "const s = document.getElementById('rep-doc-annual-detainers-h').parentElement; return s.querySelector('table') && s.textContent",
    );
    let counted = counted.as_str().unwrap();
    assert!(
        counted.contains("2025-07-01 to 2026-06-30") && counted.contains("3 decisions counted"),
        "{counted}"
    );
    assert_accessible_structure(&b, "reports");
    png_ok(&b.screenshot_full("07-counsel-reports"));
    // The CSV and HTML versions are there for counsel.
    for fmt in ["csv", "html"] {
        let (s, v) = server.call(
            "GET",
            &format!("/v1/reports/doc-annual-detainers?year=2026&format={fmt}"),
            &counsel,
            None,
        );
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}

#[test]
fn keyboard_alone_completes_the_decision_form() {
    let tools = browser_or_skip!();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start();
    let clerk = server.token("clerk", "front desk");
    let b = Browser::start(tools);

    b.go(&format!("{}/", server.base));
    b.wait(
        "the sign-in form",
        "return !document.getElementById('view-signin').hidden",
    );
    // From the top of the page: the skip link comes first, then the token field.
    b.tab_to("token-input", 4);
    let chars: Vec<String> = clerk.chars().map(String::from).collect();
    b.keys(&chars.iter().map(String::as_str).collect::<Vec<_>>());
    b.keys(&[ENTER]);
    b.wait("signed in", "return document.getElementById('me-role')");

    // Tab order follows the form: jurisdiction, agency, date, kind, then the request's facts.
    b.tab_to("f-jurisdiction", 12);
    b.choose_by_typing("N", "us-ny-nyc");
    b.tab_to("f-agency", 1);
    b.choose_by_typing("D", "doc");
    b.tab_to("f-date", 1);
    b.keys(&["1", "1", "0", "9", "2", "0", "2", "5"]);
    assert_eq!(
        b.js("return document.getElementById('f-date').value", json!([])),
        "2025-11-09"
    );
    b.tab_to("f-kind", 4);
    b.choose_by_typing("D", "detainer");
    // The optional case reference sits between the kind and the request's facts.
    b.tab_to("f-request-warrant", 2);
    b.choose_by_typing("A", "administrative");
    b.tab_to("f-request-place", 1);
    b.choose_by_typing("J", "jail");
    b.tab_to("f-request-purpose", 1);
    b.choose_by_typing("C", "civil_immigration");
    // Space opens the "more facts" disclosure.
    b.tab_to("more-facts-summary", 12);
    b.keys(&[SPACE]);
    assert_eq!(
        b.js(
            "return document.getElementById('more-facts').open",
            json!([])
        ),
        true
    );
    b.keys(&[SPACE]);
    assert_eq!(
        b.js(
            "return document.getElementById('more-facts').open",
            json!([])
        ),
        false
    );
    let n = b.tab_to("decide-btn", 4);
    assert!(
        n <= 2,
        "the Decide button follows the last field ({n} presses)"
    );
    png_ok(&b.screenshot("08-keyboard-before-decide"));
    b.keys(&[ENTER]);
    check_outcome_prohibited_with_citation(&b, &server, &clerk);

    // Tab continues into the answer: the first citation link is reachable, and Space
    // toggles the trace; focus never gets stuck (it reaches the page's end and wraps).
    b.tab_to("trace-summary", 60);
    b.keys(&[SPACE]);
    assert_eq!(
        b.js("return document.getElementById('trace').open", json!([])),
        true
    );
    png_ok(&b.screenshot("09-keyboard-after-decide"));
    let mut seen = std::collections::HashSet::new();
    for _ in 0..400 {
        b.keys(&[TAB]);
        let (id, ring) = b.focus_ring();
        assert!(ring, "`{id}` has no visible focus indicator");
        if id == "skip" || id == "nav-decide" || id.is_empty() {
            return; // wrapped around to the top: no trap
        }
        seen.insert(id);
    }
    panic!(
        "Tab never left the page's end (keyboard trap?); visited {} stops",
        seen.len()
    );
}

#[test]
fn law_browser_compare_and_diff() {
    let tools = browser_or_skip!();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start();
    let clerk = server.token("clerk", "front desk");
    let b = Browser::start(tools);
    b.sign_in(&server.base, &clerk);

    b.click("#nav-law");
    b.wait("the law", "return document.getElementById('law-title')");
    pick(&b, "#law-j", "us-ny-nyc");
    b.clear_and_type("#law-date", "11092025");
    b.click("#law-form button[type=submit]");
    b.wait("NYC on 2025-11-09", "return document.getElementById('law-title') && document.getElementById('law-title').textContent === 'New York City on 2025-11-09'");
    let (_, law) = server.call("GET", "/v1/laws/us-ny-nyc?date=2025-11-09", &clerk, None);
    let rows = b.count("#law-provisions tbody tr");
    assert_eq!(rows, law["provisions"].as_array().unwrap().len());
    let linked = b.js(
        "return [...document.querySelectorAll('#law-out a.cite')].filter(a => a.textContent.startsWith('N.Y.C. Admin. Code § 9-131(b)(1)')).length",
        json!([]),
    );
    assert!(
        linked.as_u64().unwrap() >= 1,
        "§ 9-131(b)(1) is not linked to its source"
    );
    let text = b.text("#law-out");
    assert!(
        text.contains("EO 50 declared null and void"),
        "the court event in force is shown"
    );
    assert!(text.contains(&format!(
        "Version history ({} versions)",
        law["history"].as_array().unwrap().len()
    )));
    assert_accessible_structure(&b, "law browser");
    png_ok(&b.screenshot_full("10-law-browser"));
    // A row of the history shows that version's law.
    b.click("#law-history tbody tr:first-child button.link");
    let first_from = law["history"][0]["from"].as_str().unwrap().to_string();
    b.wait(
        "the first version",
        &format!(
            "const t = document.getElementById('law-title'); return t && t.textContent.endsWith('{first_from}')"
        ),
    );

    if b.count("#nav-compare") == 1 {
        b.click("#nav-compare");
        b.wait(
            "the matrix",
            "return document.querySelectorAll('#matrix tbody tr').length > 0",
        );
        let (_, cmp) = server.call(
            "GET",
            &format!(
                "/v1/compare?date={}",
                b.js(
                    "return document.getElementById('cmp-date').value",
                    json!([])
                )
                .as_str()
                .unwrap()
            ),
            &clerk,
            None,
        );
        assert_eq!(
            b.count("#matrix tbody tr"),
            cmp["rows"].as_array().unwrap().len()
        );
        assert_eq!(
            b.count("#matrix thead th"),
            cmp["kinds"].as_array().unwrap().len() + 1
        );
        png_ok(&b.screenshot_full("11-compare"));
        // Counsel's picker: one jurisdiction, and the export buttons.
        b.click("#cmp-jurisdictions input[value='us-ny-nyc']");
        b.click("#view-compare form button[type=submit]");
        b.wait(
            "one row",
            "return document.querySelectorAll('#matrix tbody tr').length === 1",
        );
        assert_eq!(b.count("#cmp-csv"), 1);
        assert_eq!(b.count("#cmp-html"), 1);
        // Both exports, read back: the CSV has one row per cell of the API's
        // answer, the HTML the matrix with its plain-English conditions.
        let date = b.js(
            "return document.getElementById('cmp-date').value",
            json!([]),
        );
        let date = date.as_str().unwrap();
        let (_, one) = server.call(
            "GET",
            &format!("/v1/compare?date={date}&jurisdictions=us-ny-nyc"),
            &clerk,
            None,
        );
        let cells = one["rows"][0].as_array().unwrap();
        b.click("#cmp-csv");
        let csv = String::from_utf8(exported_via(&b, "cmp-download", "text/csv")).unwrap();
        assert_eq!(
            csv.lines().next(),
            Some("jurisdiction,kind,agency,class,condition,unless,citations,note"),
            "{csv}"
        );
        assert_eq!(
            csv.lines().filter(|l| l.starts_with("us-ny-nyc,")).count(),
            cells.len(),
            "{csv}"
        );
        let det = cells.iter().find(|c| c["kind"] == "detainer").unwrap();
        let row = csv
            .lines()
            .find(|l| l.starts_with("us-ny-nyc,detainer,"))
            .unwrap_or_else(|| panic!("no detainer row: {csv}"));
        let want = format!(
            "us-ny-nyc,detainer,{},{},",
            det["agency"].as_str().unwrap(),
            det["class"].as_str().unwrap()
        );
        assert!(row.starts_with(&want), "{row} / {want}");
        for c in det["citations"].as_array().unwrap() {
            assert!(row.contains(c.as_str().unwrap()), "{row}");
        }
        b.click("#cmp-html");
        let html = String::from_utf8(exported_via(&b, "cmp-download", "text/html")).unwrap();
        assert!(html.starts_with("<!doctype html>"), "{html}");
        assert!(html.contains(&format!(
            "What each law does with each kind of request, on {date}"
        )));
        let mut conditions = 0;
        for c in cells {
            if let Some(cond) = c["condition"].as_str() {
                assert!(html.contains(&html_text(cond)), "{cond} not in {html}");
                conditions += 1;
            }
        }
        assert!(conditions > 0, "NYC has conditional cells: {one}");
        assert!(
            !html.contains("<button") && !html.contains("blob:"),
            "the export carries no buttons or links: {html}"
        );
    } else {
        let (s, _) = server.call("GET", "/v1/compare", &clerk, None);
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "the server has /v1/compare but the console does not link it"
        );
    }
    if b.count("#nav-diff") == 1 {
        b.click("#nav-diff");
        b.click("#view-diff form button[type=submit]");
        let h = b.wait("the diff", "return document.querySelector('#diff-out h2') && document.querySelector('#diff-out h2').textContent");
        assert!(
            h.as_str().unwrap().contains("decide differently")
                || h.as_str().unwrap().contains("same way"),
            "{h}"
        );
        png_ok(&b.screenshot("12-diff"));
        if h.as_str().unwrap().contains("decide differently") {
            assert!(
                b.visible("#diff-summary"),
                "the diff opens with its summary"
            );
            assert_eq!(b.count("#diff-csv"), 1);
            // The exports, read back against the API's own diff.
            let val = |id: &str| {
                b.js(
                    &format!("return document.getElementById('{id}').value"),
                    json!([]),
                )
                .as_str()
                .unwrap()
                .to_string()
            };
            let (st, d) = server.call(
                "POST",
                "/v1/diff",
                &clerk,
                Some(json!({
                    "a": { "jurisdiction": val("diff-a-j"), "date": val("diff-a-d") },
                    "b": { "jurisdiction": val("diff-b-j"), "date": val("diff-b-d") },
                })),
            );
            assert_eq!(st, StatusCode::OK, "{d}");
            let summary = d["summary"].as_array().unwrap();
            let regions = d["regions"].as_array().unwrap();
            assert!(!summary.is_empty() && !regions.is_empty());
            b.click("#diff-csv");
            let csv = String::from_utf8(exported_via(&b, "diff-download", "text/csv")).unwrap();
            assert_eq!(
                csv.lines().next(),
                Some("section,provision_or_region,kinds,agencies,when,a_outcome,b_outcome,a_provisions,b_provisions")
            );
            assert_eq!(
                csv.lines().filter(|l| l.starts_with("summary,")).count(),
                summary.len()
            );
            assert_eq!(
                csv.lines().filter(|l| l.starts_with("region,")).count(),
                regions.len()
            );
            let first = csv.lines().find(|l| l.starts_with("summary,")).unwrap();
            assert!(
                first.contains(summary[0]["citation"].as_str().unwrap()),
                "{first}"
            );
            let r1 = csv.lines().find(|l| l.starts_with("region,1,")).unwrap();
            assert!(
                r1.contains(&format!(
                    ",{},{},",
                    regions[0]["a"]["outcome"].as_str().unwrap(),
                    regions[0]["b"]["outcome"].as_str().unwrap()
                )),
                "{r1}"
            );
            b.click("#diff-html");
            let html = String::from_utf8(exported_via(&b, "diff-download", "text/html")).unwrap();
            assert!(html.starts_with("<!doctype html>"));
            assert!(html.contains("What changed, by provision"), "{html}");
            assert!(html.contains(&format!(
                "{} ways the two laws decide differently",
                regions.len()
            )));
            for c in summary {
                assert!(html.contains(&html_text(c["citation"].as_str().unwrap())));
            }
            for w in regions[0]["when"].as_array().unwrap() {
                assert!(
                    html.contains(&html_text(w.as_str().unwrap())),
                    "{w} not in the HTML"
                );
            }
            assert!(!html.contains("<button") && !html.contains("blob:"));
        }
    } else {
        let (s, _) = server.call("POST", "/v1/diff", &clerk, Some(json!({})));
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "the server has /v1/diff but the console does not link it"
        );
    }
}

/// The fill of every state on the map, and the date and kind it shows.
fn map_state(b: &Browser) -> (Vec<String>, String) {
    let v = b.js(
        "const m = document.getElementById('us-map');
         return [[...m.querySelectorAll('path.state')].map(p => p.getAttribute('fill')), m.dataset.date];",
        json!([]),
    );
    let fills = v[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap_or_default().to_string())
        .collect();
    (fills, v[1].as_str().unwrap_or_default().to_string())
}

/// The bytes of the last export the map offered (its blob: link), read in the page.
fn exported(b: &Browser, kind: &str) -> Vec<u8> {
    exported_via(b, "map-download", kind)
}

/// The bytes of the last export offered through the link `link` (its blob: href), read in the page.
fn exported_via(b: &Browser, link: &str, kind: &str) -> Vec<u8> {
    b.wait(
        &format!("the {kind} export"),
        &format!("const a = document.getElementById('{link}'); return a && !a.hidden && a.dataset.type === '{kind}'"),
    );
    let v = b.js_async(&format!(
        "const done = arguments[arguments.length - 1];
         fetch(document.getElementById('{link}').href).then(r => r.blob()).then(blob => {{
           const f = new FileReader();
           f.onload = () => done(f.result.split(',')[1]);
           f.readAsDataURL(blob);
         }}).catch(e => done('error: ' + e));"
    ));
    base64_decode(v.as_str().unwrap())
}

/// Text as `innerHTML` writes it.
fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn compare_map_slides_through_dates_opens_a_state_and_exports() {
    let tools = browser_or_skip!();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start();
    let clerk = server.token("clerk", "map reader");
    let b = Browser::start(tools);
    b.sign_in(&server.base, &clerk);
    b.click("#nav-compare");
    b.wait(
        "the map",
        "const m = document.getElementById('us-map'); return m && m.dataset.date && m.querySelectorAll('path.state').length",
    );
    assert_eq!(b.count("#us-map path.state"), 51, "50 states and D.C.");
    assert_eq!(b.count("#map-table tbody tr"), 51, "the text alternative");
    assert_eq!(b.count("#us-map path.state > title"), 51);
    // One tab stop for the map; the arrows move between states.
    assert_eq!(b.count("#us-map path.state[tabindex='0']"), 1);
    assert!(b.count("#map-legend li") >= 7);
    let (now_fills, now_date) = map_state(&b);
    let (_, idx) = server.call("GET", "/v1/map", &clerk, None);
    let dates: Vec<&str> = idx["dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(dates.contains(&now_date.as_str()), "{now_date}");

    // Each state's colour is its cell from the API for that date and kind (detainer).
    let check = |date: &str| {
        let (_, m) = server.call(
            "GET",
            &format!("/v1/compare?date={date}&jurisdictions=us-ca,us-tx,us-dc"),
            &clerk,
            None,
        );
        for row in m["rows"].as_array().unwrap() {
            let j = row[0]["jurisdiction"].as_str().unwrap();
            let shown = b.js(
                &format!("return document.getElementById('map-{j}').dataset.class"),
                json!([]),
            );
            assert_eq!(shown, row[0]["class"], "{j} on {date}");
        }
    };
    check(&now_date);

    // The slider, by keyboard: Home goes to the first stop, 2011-01-01.
    b.js("document.getElementById('map-date').focus()", json!([]));
    b.keys(&["\u{E011}"]);
    b.wait(
        "the map of 2011-01-01",
        "return document.getElementById('us-map').dataset.date === '2011-01-01'",
    );
    let (old_fills, _) = map_state(&b);
    assert_ne!(old_fills, now_fills, "the colours change with the date");
    assert_eq!(b.text("#map-date-label"), "2011-01-01");
    check("2011-01-01");
    // End returns to the last stop.
    b.keys(&["\u{E010}"]);
    let last = dates.last().unwrap().to_string();
    b.wait(
        "the last stop",
        &format!("return document.getElementById('us-map').dataset.date === '{last}'"),
    );
    png_ok(&b.screenshot_full("13-map"));

    // A click on California opens its cell with its citations.
    b.click("#map-us-ca");
    b.wait(
        "California's cell",
        "const h = document.getElementById('map-cell-h'); return h && h.textContent.startsWith('California')",
    );
    let (_, m) = server.call(
        "GET",
        &format!("/v1/compare?date={last}&jurisdictions=us-ca"),
        &clerk,
        None,
    );
    let cites = m["rows"][0][0]["citations"].as_array().unwrap();
    assert!(!cites.is_empty());
    assert_eq!(b.count("#map-cell-citations li"), cites.len());
    assert!(b.text("#map-cell").contains(cites[0].as_str().unwrap()));
    // The keyboard opens a state too: from Delaware, the next state in alphabetical
    // order is the District of Columbia; Enter opens it.
    b.js("document.getElementById('map-us-de').focus()", json!([]));
    b.keys(&["\u{E014}"]);
    assert_eq!(b.active_id(), "map-us-dc");
    assert!(b.focus_ring().1, "a focused state shows a focus ring");
    assert_eq!(b.count("#us-map path.state[tabindex='0']"), 1);
    b.keys(&[ENTER]);
    b.wait(
        "D.C.'s cell",
        "const h = document.getElementById('map-cell-h'); return h && h.textContent.startsWith('District of Columbia')",
    );

    // Another kind recolours the map without a new date.
    pick(&b, "#map-kind", "287g");
    b.wait(
        "the 287(g) map",
        "return document.getElementById('us-map').dataset.kind === '287g'",
    );

    // Export: an SVG that stands alone, and a PNG drawn from it on a canvas.
    b.click("#map-svg");
    let svg = String::from_utf8(exported(&b, "image/svg+xml")).unwrap();
    assert!(svg.starts_with("<?xml"), "{}", &svg[..svg.len().min(200)]);
    assert_eq!(svg.matches("class=\"state").count(), 51);
    assert!(svg.contains("data-kind=\"287g\"") && svg.contains("what each state"));
    assert!(!svg.contains("href="), "the SVG links nothing");
    b.click("#map-png");
    let png = exported(&b, "image/png");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
        "a real PNG ({} bytes)",
        png.len()
    );
    // PNG width and height (IHDR): twice the SVG's viewBox.
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((w, h), (1950, 1380));
    let dir = screenshot_dir();
    std::fs::write(dir.join("14-map-export.svg"), &svg).unwrap();
    std::fs::write(dir.join("14-map-export.png"), &png).unwrap();
}

// ------------------------------------------------------------------ without a browser

/// The console takes the contract's value lists from the server
/// (`GET /v1/schema`): each select offers exactly the contract's values, in
/// a real browser, so a value added to the engine cannot be missing from it.
#[test]
fn console_choices_are_the_contracts_values() {
    let tools = browser_or_skip!();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start();
    let clerk = server.token("clerk", "intake");
    let contract: Value = server
        .http
        .get(format!("{}/v1/schema", server.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let b = Browser::start(tools);
    b.sign_in(&server.base, &clerk);
    b.wait(
        "the decision form",
        "return document.getElementById('f-request-warrant')",
    );
    let options = |id: &str| -> Vec<String> {
        let v = b.js(
            "return [...document.getElementById(arguments[0]).options].map((o) => o.value).filter((v) => v)",
            json!([id]),
        );
        let mut v: Vec<String> = serde_json::from_value(v).unwrap();
        v.sort();
        v
    };
    let sorted = |v: &Value| -> Vec<String> {
        let mut v: Vec<String> = serde_json::from_value(v.clone()).unwrap();
        v.sort();
        v
    };
    let fact = |path: &str| -> Value {
        contract["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("the contract has no {path}"))["values"]
            .clone()
    };
    assert_eq!(options("f-kind"), sorted(&contract["kinds"]));
    assert_eq!(options("f-form"), sorted(&contract["forms"]));
    for path in ["request.warrant", "request.place", "request.purpose"] {
        let id = format!("f-{}", path.replace('.', "-"));
        assert_eq!(options(&id), sorted(&fact(path)), "{id}");
    }
    // The agency select offers every role (and the jurisdiction's aliases).
    let agencies = options("f-agency");
    for role in sorted(&contract["roles"]) {
        assert!(agencies.contains(&role), "{role} not offered: {agencies:?}");
    }
}

/// Every fact path the form's code names is a fact of the contract.
#[test]
fn console_asks_only_for_facts_of_the_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let js = std::fs::read_to_string(root.join("assets/decide.js")).unwrap();
    let contract = serde_json::to_value(brightline::views::contract()).unwrap();
    let facts: Vec<&str> = contract["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut seen = 0;
    for start in ["'request.", "'subject."] {
        for (at, _) in js.match_indices(start) {
            let rest = &js[at + 1..];
            let Some(end) = rest.find('\'') else { continue };
            let path = &rest[..end];
            let plain = path[8..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_');
            if plain && !path.ends_with("convictions") && !path.ends_with("pending_charges") {
                seen += 1;
                assert!(
                    facts.contains(&path),
                    "decide.js asks for {path}, not in the contract"
                );
            }
        }
    }
    assert!(seen > 10, "found only {seen} fact paths in decide.js");
}

#[test]
fn console_assets_are_served_self_contained() {
    let server = Server::start();
    let http = Client::new();
    let index = http.get(format!("{}/", server.base)).send().unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    assert!(index.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = index.text().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let mut total = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let r = http
            .get(format!("{}/assets/{name}", server.base))
            .send()
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        let body = r.text().unwrap();
        let expect = match name.rsplit('.').next() {
            Some("js") => "text/javascript",
            Some("css") => "text/css",
            Some("html") => "text/html",
            e => panic!("unexpected asset type {e:?}"),
        };
        assert!(ct.starts_with(expect), "{name}: {ct}");
        // Served as built: the binary embeds the current files.
        assert_eq!(
            body,
            std::fs::read_to_string(dir.join(&name)).unwrap(),
            "{name} is stale in the build"
        );
        // No CDN, no remote font, no remote script: everything comes from this server.
        for line in body.lines().filter(|l| {
            l.contains("import ") || l.contains("src=") || l.contains("url(") || l.contains("<link")
        }) {
            assert!(
                !line.contains("//") || line.trim_start().starts_with("//"),
                "{name} loads something remote: {line}"
            );
        }
        println!("asset {name}: {} bytes", body.len());
        // The state boundaries are data, generated once (scripts/us-states-svg.mjs), with their own budget.
        if name == "us-states.js" {
            assert!(
                body.len() < 150_000,
                "the map data grew to {} bytes",
                body.len()
            );
            continue;
        }
        total += body.len();
    }
    println!("assets total: {total} bytes");
    assert!(total < 120_000, "the console grew to {total} bytes");
    assert!(html.contains("/assets/app.js") && html.contains("/assets/style.css"));
}

/// Logs a pack's report fixture through the API (corrections and confirmed
/// acts included), as the API tests do.
fn log_fixture(server: &Server, clerk: &str, pack: &str) {
    let text = std::fs::read_to_string(format!(
        "{}/../../laws/{pack}/reports-fixture.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let fx: Value = serde_json::from_str(&text).unwrap();
    let mut ids = std::collections::HashMap::new();
    for e in fx["entries"].as_array().unwrap() {
        let path = match e["supersedes"].as_i64() {
            Some(old) => format!("/v1/decisions?supersedes={}", ids[&old]),
            None => "/v1/decisions".to_string(),
        };
        let (st, d) = server.call("POST", &path, clerk, Some(e["request"].clone()));
        assert_eq!(st, StatusCode::OK, "{d}");
        let id = d["id"].as_i64().unwrap();
        ids.insert(e["id"].as_i64().unwrap(), id);
        for a in e["acts"].as_array().into_iter().flatten() {
            let mut body = json!({ "act": a["act"], "date": a["date"] });
            if let Some(r) = a["reason"].as_str() {
                body["confirm_prohibited"] = json!(true);
                body["reason"] = json!(r);
            }
            let (st, v) = server.call(
                "POST",
                &format!("/v1/decisions/{id}/actions"),
                clerk,
                Some(body),
            );
            assert_eq!(st, StatusCode::CREATED, "{v}");
        }
    }
}

/// A clerk holds the detainer form and a judge's warrant, and knows nothing
/// yet about the person. The console says what it assumed from the form,
/// then asks what the law needs one question at a time, each answer a button
/// that decides again as a draft, until the answer is settled.
#[test]
fn clerk_answers_the_open_questions_one_at_a_time() {
    let tools = browser_or_skip!();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start();
    let clerk = server.token("clerk", "intake");
    let b = Browser::start(tools);
    b.sign_in(&server.base, &clerk);
    b.wait(
        "the decision form",
        "return document.getElementById('f-jurisdiction')",
    );
    pick(&b, "#f-jurisdiction", "us-ny-nyc");
    pick(&b, "#f-agency", "doc");
    // No kind chosen: the form gives it.
    pick(&b, "#f-form", "I-247A");
    b.clear_and_type("#f-date", "11092025");
    // The warrant question is shown for the detainer the form implies.
    assert!(b.visible("#f-request-warrant-wrap"));
    pick(&b, "#f-request-warrant", "judicial");
    b.click("#decide-btn");
    b.wait(
        "the first question",
        "return document.getElementById('question-text')",
    );
    assert!(b.text("#outcome").to_lowercase().contains("undetermined"));
    let assumed = b.text("#assumptions");
    assert!(
        assumed.contains("detainer") && assumed.contains("I-247A"),
        "{assumed}"
    );
    assert!(assumed.contains("8 C.F.R. § 287.7"), "{assumed}");
    let first = b.text("#question-text");
    assert!(first.contains("convicted"), "{first}");
    assert!(
        b.text("#question-h").contains("1 of 2"),
        "{}",
        b.text("#question-h")
    );
    png_ok(&b.screenshot("30-clerk-question"));
    // No convictions: the next question is the TSDB check, and it has the focus.
    b.click("#question button[data-answer=none]");
    b.wait(
        "the second question",
        "return (document.getElementById('question-text') || {}).textContent.includes('terrorist')",
    );
    assert_eq!(
        b.js("return document.activeElement.id", json!([])),
        "question-h"
    );
    // Each answer says where it leads.
    let no = b.text("#question button[data-answer=false]");
    assert!(no.to_lowercase().contains("prohibited"), "{no}");
    b.click("#question button[data-answer=false]");
    b.wait(
        "the settled answer",
        "return !document.getElementById('question') && document.getElementById('outcome').textContent.toLowerCase().includes('prohibited')",
    );
    // The answers went into the form, and nothing was logged.
    let form = b.js(
        "return [document.getElementById('conv-has').value, document.getElementById('f-subject-tsdb-match').value]",
        json!([]),
    );
    assert_eq!(form, json!(["none", "false"]));
    assert!(b.visible("#draft-note"));
    let (st, v) = server.call("GET", "/v1/decisions", &clerk, None);
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["decisions"].as_array().unwrap().len(), 0, "{v}");
}

#[test]
fn clerk_records_once_reopens_and_adds_a_transfer() {
    let tools = browser_or_skip!();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start();
    let clerk = server.token("clerk", "front desk");
    let b = Browser::start(tools);
    b.sign_in(&server.base, &clerk);
    b.wait(
        "the decision form",
        "return document.getElementById('f-jurisdiction')",
    );
    pick(&b, "#f-jurisdiction", "us-ny-nyc");
    pick(&b, "#f-agency", "doc");
    pick(&b, "#f-kind", "detainer");
    b.clear_and_type("#f-date", "11092025");
    pick(&b, "#f-request-warrant", "judicial");
    pick(&b, "#f-request-purpose", "civil_immigration");
    pick(&b, "#f-subject-tsdb-match", "true");
    pick(&b, "#conv-has", "none");
    b.type_into("#f-case-ref", "BK-2025-0917");
    b.click("#decide-btn");
    b.wait("the draft", "return document.getElementById('draft-note')");
    assert!(
        b.text("#outcome").to_lowercase().contains("permitted"),
        "{}",
        b.text("#outcome")
    );
    b.click("#record-btn");
    b.wait(
        "the record",
        "return document.getElementById('recorded-note')",
    );
    // The hold is recorded with a double press: one action.
    pick(&b, "#act-kind", "held");
    b.js(
        "const x = document.getElementById('act-record'); x.click(); x.click(); return true",
        json!([]),
    );
    b.wait(
        "the action recorded",
        "return document.getElementById('act-ok')",
    );
    std::thread::sleep(Duration::from_millis(300));
    let (_, v) = server.call("GET", "/v1/decisions", &clerk, None);
    assert_eq!(v["decisions"].as_array().unwrap().len(), 1, "{v}");
    let id = v["decisions"][0]["id"].as_i64().unwrap();
    assert_eq!(
        v["decisions"][0]["acts"],
        json!(["held"]),
        "Record pressed twice leaves one action: {v}"
    );
    // Printing the answer gives the answer: no navigation, no form, no action form.
    let (pages, text) = b.print("clerk-decision-print");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.to_lowercase().contains("permitted"), "{flat}");
    assert!(!flat.contains("Record what your agency did"), "{flat}");
    assert!(
        !flat.contains("Who is asked, and when"),
        "the form is not printed: {flat}"
    );
    assert!(pages <= 2, "{pages} pages");
    // Later: My decisions, reopen, add the transfer.
    b.click("#nav-mine");
    b.wait(
        "my decisions",
        "return document.querySelectorAll('#mine-table tbody tr').length === 1",
    );
    assert!(b.text("#mine-table tbody tr").contains("held"));
    png_ok(&b.screenshot("10-clerk-my-decisions"));
    b.click(&format!("#mine-row-{id} a"));
    b.wait(
        "the reopened decision",
        "return document.getElementById('mine-h2') && document.getElementById('mine-act-kind')",
    );
    pick(&b, "#mine-act-kind", "transferred");
    b.click("#mine-act-record");
    b.wait(
        "the transfer recorded",
        "return document.getElementById('mine-act-ok')",
    );
    b.wait("the list reloaded", "return document.getElementById('mine-action-list') && document.getElementById('mine-action-list').textContent.includes('transferred')");
    png_ok(&b.screenshot_full("11-clerk-reopened-transfer"));
    let (_, v) = server.call("GET", &format!("/v1/decisions/{id}"), &clerk, None);
    let acts: Vec<Value> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["acts"][0].clone())
        .collect();
    assert_eq!(acts, vec![json!("held"), json!("transferred")], "{v}");
    // The booking number is nowhere in what the server returns.
    assert!(!v.to_string().contains("0917"));
}

#[test]
fn counsel_produces_the_annual_report_of_the_fixture_and_opens_a_memo() {
    let tools = browser_or_skip!();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start();
    let clerk = server.token("clerk", "front desk");
    let counsel = server.token("counsel", "law department");
    log_fixture(&server, &clerk, "us-ny-nyc");
    let lib = brightline::bundled().unwrap();
    let reports = brightline_server::reports::load(lib).unwrap();
    let doc = reports
        .iter()
        .find(|r| r.id == "doc-annual-detainers")
        .unwrap();
    let ex = &doc.examples[0];
    assert_eq!(
        (ex.from.as_str(), ex.to.as_str()),
        ("2024-07-01", "2025-06-30")
    );
    let b = Browser::start(tools);
    b.sign_in(&server.base, &counsel);
    b.click("#nav-reports");
    b.wait(
        "the reports",
        "return document.getElementById('rep-doc-annual-detainers-year')",
    );
    b.clear_and_type("#rep-doc-annual-detainers-year", "2025");
    b.click("#rep-doc-annual-detainers-h ~ form button[type=submit]");
    b.wait(
        "the report",
        "return document.querySelector('#rep-doc-annual-detainers-h ~ div tr[data-field]')",
    );
    for (name, want) in &ex.expect {
        let got = b.js(
            "const r = document.querySelector(`#rep-doc-annual-detainers-h ~ div tr[data-field=\"${arguments[0]}\"] .value`); return r && r.textContent",
            json!([name]),
        );
        assert_eq!(got, json!(want.to_string()), "{name}");
    }
    let flagged = b.text("#rep-doc-annual-detainers-flagged");
    assert!(flagged.contains("supervisor ordered the hold"), "{flagged}");
    png_ok(&b.screenshot_full("12-counsel-annual-report"));
    // Counsel opens a decision's memo from the log.
    b.click("#nav-log");
    b.wait(
        "the log table",
        "return document.querySelectorAll('#log-table tbody tr').length > 0",
    );
    let (_, list) = server.call("GET", "/v1/decisions?limit=1", &counsel, None);
    let id = list["decisions"][0]["id"].as_i64().unwrap();
    let (_, d) = server.call("GET", &format!("/v1/decisions/{id}"), &counsel, None);
    b.go(&format!("{}/#log/{id}", server.base));
    b.wait(
        "the decision detail",
        "return document.getElementById('detail-h')",
    );
    b.click("#log-detail a.button");
    let memo = b.wait("the memo", "const f = document.getElementById('memo-frame'); return f && f.srcdoc && f.srcdoc.length > 0 && f.srcdoc");
    let memo = memo.as_str().unwrap();
    assert!(memo.contains(&format!("Recorded decision #{id}")), "{memo}");
    assert!(memo.contains(d["entry_hash"].as_str().unwrap()));
    let share = b.js(
        "return document.getElementById('memo-share').value",
        json!([]),
    );
    assert!(share.as_str().unwrap().contains("#memo/r."), "{share}");
    png_ok(&b.screenshot_full("13-counsel-memo"));
    // The shared link opens the same answer as a draft, with no identifier.
    b.go(share.as_str().unwrap());
    let draft = b.wait("the shared memo", "const f = document.getElementById('memo-frame'); return f && f.srcdoc.includes('Draft') && f.srcdoc");
    assert!(draft.as_str().unwrap().contains(
        d["decision"]["outcome"]
            .as_str()
            .unwrap()
            .to_uppercase()
            .as_str()
    ));
}
