//! GitHub Actions output: one workflow command per finding,
//! `::error file=Dockerfile,line=3,col=1,endLine=3,endColumn=20,title=XB002
//! shipped-stage-pinned::message`, escaped as the runner expects.

use super::position;
use crate::github::{data, property};
use crate::lint::FileReport;

pub(super) fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports {
        for f in &r.findings {
            let (line, col) = position(&r.source, f.span.start);
            let (end_line, end_col) = position(&r.source, f.span.end);
            out.push_str(&format!(
                "::{} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
                f.rule.severity.as_str(),
                property(&r.name),
                property(&format!("{} {}", f.rule.id, f.rule.name)),
                data(&f.message),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(data("50%\nx"), "50%25%0Ax");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
