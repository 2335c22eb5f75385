"""Checks the verifier's real answers against its OpenAPI document, with openapi-core
(the request/response validator of the Python OpenAPI community; it checks the document
itself with openapi-spec-validator first).

    check.py [--text] SPEC EXCHANGES...

SPEC is verifier/openapi.yaml; each EXCHANGES is a file of JSON lines, or a folder of
such files, one line per request the verifier's tests made and the answer they got:
{"method", "uri", "request_headers", "status", "headers", "body_base64"} (headers as
[name, value] pairs). Every answer is matched to its path, method, status and media type
in the document, and its body and headers are validated against their schemas.

Answers to requests that name no route of the document (a 404 for an unknown path, a 405
for a method a path does not have) are counted, not checked: OpenAPI has no way to
describe every path that does not exist.

Prints one JSON object: {"spec": "valid", "checked": n, "not_routes": n,
"mismatches": [{"request", "status", "error"}]} (with --text, the same for a person: a
summary line and each mismatch); exits 1 when the document is not valid OpenAPI, any
answer does not match it or there was no answer to check, 2 on bad usage.
"""

import base64
import gzip
import json
import pathlib
import sys
from urllib.parse import urlsplit, parse_qsl

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.templating.paths.iterators import TemplatePathsIterator
from openapi_core.templating.paths.parsers import PathParser
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate as validate_spec
from werkzeug.datastructures import Headers

HOST = "http://127.0.0.1:8080"


class WholePaths(TemplatePathsIterator):
    """openapi-core 0.23 matches a path of the document against the *end* of the URL: the
    document's `/` matches `/assets/`, `/c` matches `/x/c`. OpenAPI's path templating
    matches the whole path: the library's candidates are kept only when the template,
    compiled by the library's own parser, matches all of it."""

    def __call__(self, name, spec, base_url=None):
        path = urlsplit(name).path
        for found in super().__call__(name, spec, base_url):
            if PathParser(found[1].pattern).parse(path) is not None:
                yield found


class WholePathFinder(APICallPathFinder):
    paths_iterator = WholePaths("paths")


def text(data, **_parameters):
    return data.decode("utf-8") if isinstance(data, bytes) else data


def json_document(data, **_parameters):
    return json.loads(data)


# Media types the library has no reader for: JSON ones read as JSON, text ones as text,
# so that their schemas apply (binary ones, PNG and WebAssembly, are described without a
# schema).
MEDIA_TYPES = {
    "application/vc": json_document,
    "application/linkset+json": json_document,
    "application/schema+json": json_document,
    "application/ld+json": json_document,
    "application/manifest+json": json_document,
    "application/yaml": text,
    "application/openmetrics-text": text,
    "image/svg+xml": text,
    "text/csv": text,
    "text/javascript": text,
}


def exchanges(paths):
    for path in paths:
        path = pathlib.Path(path)
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            for line in file.read_text().splitlines():
                if line.strip():
                    yield json.loads(line)


def body_of(exchange):
    body = base64.b64decode(exchange.get("body_base64", ""))
    encoding = {k.lower(): v for k, v in exchange["headers"]}.get("content-encoding", "")
    if encoding.strip().lower() == "gzip" and body:
        body = gzip.decompress(body)
    return body


def check(api, exchange):
    uri = urlsplit(exchange["uri"])
    request_headers = Headers(exchange.get("request_headers", []))
    request = MockRequest(
        HOST,
        exchange["method"].lower(),
        uri.path,
        args=dict(parse_qsl(uri.query, keep_blank_values=True)),
        headers=request_headers,
        content_type=request_headers.get("content-type", ""),
    )
    headers = Headers(exchange["headers"])
    # HEAD answers carry no body; their headers are checked like GET's.
    body = b"" if exchange["method"].upper() == "HEAD" else body_of(exchange)
    response = MockResponse(
        body,
        status_code=exchange["status"],
        headers=headers,
        content_type=headers.get("content-type", ""),
    )
    api.validate_response(request, response)


def describe(error):
    """The validator's words, without the whole value it quotes; every schema error with
    where it is."""
    said = str(error)
    if " not valid for schema" in said:
        said = "the value is not valid for its schema"
    lines = [f"{type(error).__name__}: {said[:300]}"]
    for cause in getattr(error, "schema_errors", None) or []:
        lines.append(f"    {cause.message[:300]} at {'/'.join(str(p) for p in cause.absolute_path) or '(top)'}")
    if error.__cause__ is not None and error.__cause__ is not error:
        lines.append(f"  because {describe(error.__cause__)}")
    return "\n".join(lines)


def report(result, as_text):
    if not as_text:
        print(json.dumps(result))
        return
    print(
        f'[openapi] the document: {result["spec"]}; {result["checked"]} answers checked against it, '
        f'{result["not_routes"]} to requests that name no route (404, 405); {len(result["mismatches"])} do not match'
    )
    for m in result["mismatches"]:
        print(f'[openapi] FAILED {m["request"]} -> {m["status"]}: {m["error"]}')


def main(argv):
    as_text = "--text" in argv
    argv = [a for a in argv if a != "--text"]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    spec = yaml.safe_load(pathlib.Path(argv[1]).read_text())
    try:
        validate_spec(spec)
    except Exception as e:  # the validator's own error types, whatever they are
        report({"spec": f"not valid OpenAPI: {e}", "checked": 0, "not_routes": 0, "mismatches": []}, as_text)
        return 1
    api = OpenAPI.from_dict(
        spec, config=Config(path_finder_cls=WholePathFinder, extra_media_type_deserializers=MEDIA_TYPES)
    )
    checked, not_routes, mismatches = 0, 0, []
    for exchange in exchanges(argv[2:]):
        what = f'{exchange["method"]} {exchange["uri"]}'
        try:
            check(api, exchange)
            checked += 1
        except (PathNotFound, OperationNotFound) as e:
            if exchange["status"] in (404, 405):
                not_routes += 1
            else:
                mismatches.append({"request": what, "status": exchange["status"], "error": describe(e)})
        except Exception as e:  # every other error of the validator is a mismatch
            mismatches.append({"request": what, "status": exchange["status"], "error": describe(e)})
    report({"spec": "valid", "checked": checked, "not_routes": not_routes, "mismatches": mismatches}, as_text)
    return 1 if mismatches or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
