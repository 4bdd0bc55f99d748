"""A small parser for the subset of MyST Markdown the book uses.

It keeps the source text (the generator re-emits it with the directives and roles translated), so
it only finds structure: fenced directives and code blocks (backtick or colon fences, nested by
fence length as in MyST), display maths with an optional label, ``(label)=`` targets and
headings at block level; roles, code spans and maths inline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import BookError


@dataclass
class Text:
    text: str
    line: int


@dataclass
class Heading:
    level: int
    title: str
    line: int


@dataclass
class Target:
    label: str
    line: int


@dataclass
class Math:
    tex: str
    label: str | None
    line: int
    indent: str = ""


@dataclass
class Code:
    """A fenced code block that is not a directive (```python ...)."""

    raw: str
    line: int


@dataclass
class Directive:
    name: str
    argument: str
    options: dict
    body: str
    line: int
    body_line: int
    indent: str = ""
    children: list = field(default_factory=list)


_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,}|~{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[A-Za-z][\w:-]*)\}\s*(?P<arg>.*)$")
_TARGET = re.compile(r"^\s*\((?P<label>[^()\s]+)\)=\s*$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.*?)\s*#*\s*$")
_MATH_END = re.compile(r"^(?P<tex>.*?)\$\$\s*(?:\((?P<label>[^()\s]+)\))?\s*$")


def _is_close(line: str, fence: str) -> bool:
    s = line.strip()
    return bool(s) and set(s) == {fence[0]} and len(s) >= len(fence)


def _dedent(lines: list[str], indent: str) -> list[str]:
    return [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines]


def parse_options(body_lines: list[str]) -> tuple[dict, list[str], int]:
    """Split a directive's leading ``:key: value`` lines (or a ``---`` YAML block) from its body.

    Returns (options, body lines, number of lines consumed).
    """
    options: dict = {}
    i = 0
    if body_lines and body_lines[0].strip() == "---":
        import yaml

        try:
            end = next(j for j in range(1, len(body_lines)) if body_lines[j].strip() == "---")
        except StopIteration:
            raise BookError("unterminated --- option block in a directive") from None
        options = yaml.safe_load("\n".join(body_lines[1:end])) or {}
        i = end + 1
    else:
        while i < len(body_lines):
            m = re.match(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$", body_lines[i])
            if not m:
                break
            options[m["key"]] = m["value"].strip()
            i += 1
    if i < len(body_lines) and body_lines[i].strip() == "" and i > 0:
        i += 1
    return options, body_lines[i:], i


def parse_blocks(text: str, line0: int = 1, where: str = "") -> list:
    """Block structure of ``text`` (a Markdown cell or a directive body); ``line0`` is its first line."""
    lines = text.split("\n")
    blocks: list = []
    buf: list[str] = []
    buf_start = line0

    def flush(upto: int):
        nonlocal buf, buf_start
        if any(ln.strip() for ln in buf):
            blocks.append(Text("\n".join(buf), buf_start))
        buf = []
        buf_start = line0 + upto + 1

    i = 0
    while i < len(lines):
        ln = lines[i]
        m = _FENCE.match(ln)
        if m:
            indent, fence, info = m["indent"], m["fence"], m["info"].strip()
            j = i + 1
            while j < len(lines) and not _is_close(lines[j], fence):
                j += 1
            if j == len(lines):
                raise BookError(f"{where}:{line0 + i}: unclosed fence {fence}")
            inner = _dedent(lines[i + 1:j], indent)
            flush(i)
            d = _DIRECTIVE.match(info)
            if d:
                options, body, used = parse_options(inner)
                blocks.append(Directive(d["name"], d["arg"].strip(), options, "\n".join(body),
                                        line0 + i, line0 + i + 1 + used, indent))
            elif fence.startswith(":"):
                raise BookError(f"{where}:{line0 + i}: a colon fence must open a directive: {ln.strip()!r}")
            else:
                blocks.append(Code("\n".join(lines[i:j + 1]), line0 + i))
            i = j + 1
            buf_start = line0 + i
            continue
        if _TARGET.match(ln):
            flush(i)
            blocks.append(Target(_TARGET.match(ln)["label"], line0 + i))
            i += 1
            buf_start = line0 + i
            continue
        h = _HEADING.match(ln)
        if h and not ln.startswith(" "):
            flush(i)
            blocks.append(Heading(len(h["hashes"]), h["title"], line0 + i))
            i += 1
            buf_start = line0 + i
            continue
        s = ln.lstrip()
        if s.startswith("$$"):
            indent = ln[: len(ln) - len(s)]
            rest = s[2:]
            one = _MATH_END.match(rest)
            if one and rest.strip() and "$$" in rest:
                flush(i)
                blocks.append(Math(one["tex"].strip(), one["label"], line0 + i, indent))
                i += 1
                buf_start = line0 + i
                continue
            j = i + 1
            while j < len(lines) and "$$" not in lines[j]:
                j += 1
            if j == len(lines):
                raise BookError(f"{where}:{line0 + i}: unclosed $$ display maths")
            end = _MATH_END.match(lines[j].strip())
            if not end:
                raise BookError(f"{where}:{line0 + j}: text after the closing $$ of display maths")
            body = [rest] + lines[i + 1:j] + [end["tex"]]
            tex = "\n".join(_dedent(body, indent)).strip("\n")
            flush(i)
            blocks.append(Math(tex, end["label"], line0 + i, indent))
            i = j + 1
            buf_start = line0 + i
            continue
        if not buf:
            buf_start = line0 + i
        buf.append(ln)
        i += 1
    flush(len(lines))
    return blocks


# ---------------------------------------------------------------------------------------------
# inline
@dataclass
class Inline:
    kind: str          # "text" | "code" | "math" | "dmath" | "role"
    value: str         # the raw source for text/code, the TeX for maths, the content for roles
    name: str = ""     # role name


_ROLE_BEFORE = re.compile(r"\{(?P<name>[A-Za-z][\w:-]*)\}$")


def split_inline(text: str) -> list[Inline]:
    """Code spans, roles (``{name}`content```), ``$...$`` and ``$$...$$`` maths, and plain text."""
    out: list[Inline] = []
    buf: list[str] = []
    i, n = 0, len(text)

    def push_text():
        if buf:
            out.append(Inline("text", "".join(buf)))
            buf.clear()

    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            buf.append(text[i:i + 2])
            i += 2
            continue
        if c == "`":
            j = i
            while j < n and text[j] == "`":
                j += 1
            run = text[i:j]
            k = j
            close = -1
            while True:
                k = text.find(run, k)
                if k < 0:
                    break
                e = k + len(run)
                if (k == 0 or text[k - 1] != "`") and (e >= n or text[e] != "`"):
                    close = k
                    break
                while k < n and text[k] == "`":
                    k += 1
            if close < 0:
                buf.append(run)
                i = j
                continue
            content = text[j:close]
            pending = "".join(buf)
            m = _ROLE_BEFORE.search(pending)
            if m:
                buf[:] = [pending[: m.start()]]
                push_text()
                out.append(Inline("role", content, m["name"]))
            else:
                push_text()
                out.append(Inline("code", text[i:close + len(run)]))
            i = close + len(run)
            continue
        if c == "$":
            if text.startswith("$$", i):
                k = text.find("$$", i + 2)
                if k > 0:
                    push_text()
                    out.append(Inline("dmath", text[i + 2:k]))
                    i = k + 2
                    continue
            else:
                k = i + 1
                while k < n:
                    if text[k] == "\\":
                        k += 2
                        continue
                    if text[k] == "$":
                        break
                    if text[k] == "\n" and text[k + 1:k + 2] == "\n":
                        k = n
                        break
                    k += 1
                if k < n and k > i + 1:
                    push_text()
                    out.append(Inline("math", text[i + 1:k]))
                    i = k + 1
                    continue
        buf.append(c)
        i += 1
    push_text()
    return out


def role_target(content: str) -> tuple[str | None, str]:
    """``text <target>`` -> (text, target); ``target`` -> (None, target)."""
    m = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", content, re.S)
    if m and m["text"]:
        return m["text"], m["target"].strip()
    return None, content.strip()
