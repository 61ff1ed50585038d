"""What the test apps share to be cheap to build: each gives what compiling afresh would."""

import uuid

import jinja2
from werkzeug.routing import AnyConverter, IntegerConverter, UUIDConverter

from tests.conftest import TEMPLATES, WERKZEUG_COMPILE_BUILDER, TemplateCache


def sample_value(converter):
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, IntegerConverter):
        return 7
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=7)
    return "a b/c"


def sample_values(rule) -> dict:
    return {name: sample_value(rule._converters.get(name)) for name in rule.arguments}


def test_every_rule_builds_the_same_url_as_a_builder_compiled_for_it_alone(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) > 50
    for rule in rules:
        values = sample_values(rule)
        own = WERKZEUG_COMPILE_BUILDER(rule, False).__get__(rule, None)
        own_unknown = WERKZEUG_COMPILE_BUILDER(rule, True).__get__(rule, None)
        assert rule._build(**values) == own(**values), rule.rule
        with_query = {**values, "next": "/a b", "page": "2"}
        assert rule._build_unknown(**with_query) == own_unknown(**with_query), rule.rule


def test_two_rules_alike_but_for_their_defaults_build_their_own_urls(app):
    from werkzeug.routing import Map, Rule

    first = Map([Rule("/steps/<step>", endpoint="a", defaults={"step": "one"})])
    second = Map([Rule("/steps/<step>", endpoint="a", defaults={"step": "two"})])
    assert first.bind("localhost").build("a") == "/steps/one"
    assert second.bind("localhost").build("a") == "/steps/two"


def environment(source: str, cache: TemplateCache) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.DictLoader({"page.html": source}),
                              bytecode_cache=cache, autoescape=True)


def test_a_template_compiled_by_one_app_is_not_compiled_again_by_the_next():
    cache = TemplateCache()
    environment("Hello {{ name }}", cache).get_template("page.html")
    later = environment("Hello {{ name }}", cache)
    compiled = []
    later.compile = lambda *args, **kwargs: compiled.append(args)  # would compile afresh
    assert later.get_template("page.html").render(name="<b>") == "Hello &lt;b&gt;"
    assert compiled == []


def test_an_edited_template_is_compiled_afresh():
    cache = TemplateCache()
    environment("Hello {{ name }}", cache).get_template("page.html")
    assert environment("Bye {{ name }}", cache).get_template("page.html").render(name="Sam") \
        == "Bye Sam"


def test_the_test_apps_share_one_template_cache(app):
    assert app.jinja_env.bytecode_cache is TEMPLATES
    assert TEMPLATES.compiled, "building the app rendered its error page through the cache"
