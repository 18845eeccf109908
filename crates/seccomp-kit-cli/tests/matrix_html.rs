//! Browser tests of `seccomp-kit matrix --format html`.
//!
//! Each test writes the page of moby's default profile with the real CLI
//! and loads it in headless Chromium (`/usr/bin/chromium`, Debian package
//! `chromium`) with `--dump-dom`, which prints the DOM after the page's
//! script has run. Chromium loads only the `file:` URL of the page the test
//! wrote, with background networking, component updates and sync turned
//! off. Without Chromium each test fails when `CI=true` and otherwise
//! prints "skipped: chromium not installed" and returns.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECCOMP_KIT: &str = env!("CARGO_BIN_EXE_seccomp-kit");

const CHROMIUM: &str = "/usr/bin/chromium";

/// moby/profiles' current default profile, read at test time.
const MOBY_DEFAULT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/profiles/moby-profiles-default.json"
);

/// How long one Chromium run may take before the test kills it. Headless
/// start-up plus a 200 kB page takes about a second on an idle machine.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(120);

/// Returns whether Chromium is installed; without it, fails under CI and
/// otherwise prints a skip line.
fn chromium_available() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{CHROMIUM} not found; install the Debian package chromium");
    }
    eprintln!("skipped: chromium not installed");
    false
}

/// Creates an empty directory for one test under Cargo's temporary
/// directory for integration tests.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("matrix_html-{test}-{}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the HTML matrix of moby's default profile on x86_64 hosts with
/// kernel 6.1 and returns its path.
fn write_page(dir: &Path) -> PathBuf {
    let page = dir.join("matrix.html");
    let output = Command::new(SECCOMP_KIT)
        .args(["matrix", "--profile", MOBY_DEFAULT])
        .args(["--arch", "x86_64", "--kernel", "6.1", "--format", "html"])
        .arg("--output")
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "seccomp-kit matrix failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    page
}

/// Percent-encodes a path for a `file:` URL.
fn file_url(path: &Path, suffix: &str) -> String {
    let mut url = String::from("file://");
    for byte in path.to_str().unwrap().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url.push_str(suffix);
    url
}

/// Loads `url` in headless Chromium with a new profile directory and
/// returns the DOM after the page's script ran.
fn dump_dom(dir: &Path, run: &str, url: &str) -> String {
    let user_data = dir.join(format!("chromium-profile-{run}"));
    let dom_path = dir.join(format!("dom-{run}.html"));
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", user_data.display()))
        .args(["--dump-dom", url])
        .stdin(Stdio::null())
        .stdout(File::create(&dom_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish loading {url} within {CHROMIUM_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed on {url}: {status}");
    let dom = fs::read_to_string(&dom_path).unwrap();
    assert!(dom.contains("</html>"), "chromium printed no DOM for {url}");
    dom
}

/// Returns the value of attribute `name` in one start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')?;
    Some(&tag[start..start + end])
}

/// One matrix row of the dumped DOM.
struct DomRow {
    syscall: String,
    hidden: bool,
    /// `(data-column, class)` of each cell.
    cells: Vec<(String, String)>,
}

/// Reads the rows of the `#matrix` table from a dumped DOM.
fn matrix_rows(dom: &str) -> Vec<DomRow> {
    let mut rows = Vec::new();
    for piece in dom.split("<tr data-syscall=\"").skip(1) {
        let tag_end = piece.find('>').unwrap();
        let tag = format!(" data-syscall=\"{}", &piece[..tag_end]);
        let body = &piece[tag_end..piece.find("</tr>").unwrap()];
        let cells = body
            .split("<td ")
            .skip(1)
            .filter_map(|cell| {
                let cell_tag = format!(" {}", &cell[..cell.find('>')?]);
                let column = attr(&cell_tag, "data-column")?;
                Some((column.to_string(), attr(&cell_tag, "class")?.to_string()))
            })
            .collect();
        rows.push(DomRow {
            syscall: attr(&tag, "data-syscall").unwrap().to_string(),
            hidden: attr(&tag, "hidden").is_some(),
            cells,
        });
    }
    rows
}

fn row<'a>(rows: &'a [DomRow], syscall: &str) -> &'a DomRow {
    rows.iter()
        .find(|r| r.syscall == syscall)
        .unwrap_or_else(|| panic!("no row for {syscall}"))
}

fn cell_class<'a>(row: &'a DomRow, column: &str) -> &'a str {
    row.cells
        .iter()
        .find(|(c, _)| c == column)
        .map(|(_, class)| class.as_str())
        .unwrap_or_else(|| panic!("no {column} cell in the {} row", row.syscall))
}

/// Returns the text that the page's script writes next to the search
/// box.
fn shown_text(dom: &str) -> &str {
    let start = dom.find("<span id=\"shown\">").unwrap() + "<span id=\"shown\">".len();
    &dom[start..start + dom[start..].find('<').unwrap()]
}

#[test]
fn html_cells_render() {
    if !chromium_available() {
        return;
    }
    let dir = scratch_dir("cells");
    let page = write_page(&dir);
    let dom = dump_dom(&dir, "plain", &file_url(&page, ""));
    let rows = matrix_rows(&dom);
    assert!(rows.len() > 50, "only {} rows rendered", rows.len());
    assert!(
        rows.iter().all(|r| !r.hidden),
        "rows hidden without a query"
    );

    let mount = row(&rows, "mount");
    assert_eq!(cell_class(mount, "default"), "c-errno");
    assert_eq!(cell_class(mount, "+CAP_SYS_ADMIN"), "c-allow");
    assert_eq!(cell_class(mount, "+CAP_DAC_READ_SEARCH"), "c-errno same");

    let open_by_handle_at = row(&rows, "open_by_handle_at");
    assert_eq!(
        cell_class(open_by_handle_at, "+CAP_DAC_READ_SEARCH"),
        "c-allow"
    );
    assert_eq!(
        cell_class(open_by_handle_at, "+CAP_SYS_ADMIN"),
        "c-errno same"
    );

    let clone = row(&rows, "clone");
    assert_eq!(cell_class(clone, "default"), "c-conditional");
    assert_eq!(cell_class(clone, "+CAP_SYS_ADMIN"), "c-allow");

    assert!(rows.iter().all(|r| r.syscall != "name_to_handle_at"));
    let expected = format!("{0} of {0} rows shown", rows.len());
    assert_eq!(shown_text(&dom), expected);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn html_search_from_fragment() {
    if !chromium_available() {
        return;
    }
    let dir = scratch_dir("fragment");
    let page = write_page(&dir);
    let dom = dump_dom(&dir, "fragment", &file_url(&page, "#q=mount"));
    let rows = matrix_rows(&dom);
    let visible: Vec<&str> = rows
        .iter()
        .filter(|r| !r.hidden)
        .map(|r| r.syscall.as_str())
        .collect();
    assert_eq!(
        visible,
        [
            "fsmount",
            "mount",
            "mount_setattr",
            "move_mount",
            "umount",
            "umount2"
        ]
    );
    assert!(row(&rows, "reboot").hidden);
    assert!(row(&rows, "open_by_handle_at").hidden);
    assert_eq!(shown_text(&dom), format!("6 of {} rows shown", rows.len()));
    assert!(dom.contains("id=\"q\""), "search box missing");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn html_search_by_capability() {
    if !chromium_available() {
        return;
    }
    let dir = scratch_dir("capability");
    let page = write_page(&dir);
    let dom = dump_dom(&dir, "query", &file_url(&page, "?q=CAP_DAC_READ_SEARCH"));
    let rows = matrix_rows(&dom);
    let visible: Vec<&str> = rows
        .iter()
        .filter(|r| !r.hidden)
        .map(|r| r.syscall.as_str())
        .collect();
    assert_eq!(visible, ["open_by_handle_at"]);
    assert_eq!(shown_text(&dom), format!("1 of {} rows shown", rows.len()));
    fs::remove_dir_all(&dir).unwrap();
}
