from glossa.analysis import analyze, char_ngrams, fold, name_key, words


def test_folding_polish_diacritics_and_case():
    assert fold("Obsługa KLIENTA Zażółć") == "obsluga klienta zazolc"
    assert name_key("Satysfakcja klienta") == name_key("satysfakcja  KLIENTA")


def test_persian_normalisation():
    # Arabic yeh/kaf -> Persian, ZWNJ -> space, harakat removed
    assert fold("مشتري") == fold("مشتری")
    assert fold("كيفيت") == "کیفیت"
    assert words("می\u200cشود") == ["می", "شود"]
    assert fold("هلپ دِسک") == "هلپ دسک"
    assert fold("۱۲۳") == "123"


def test_chinese_segmentation():
    tokens = words("客户努力得分(CES)是一种客户服务指标")
    assert {"客户", "努力", "得分", "ces", "指标"} <= set(tokens)
    assert "客户服务" in tokens  # search-mode segmentation keeps the compound too


def test_stems_and_ngrams():
    assert analyze("klientów klienta", "stems") == ["klient", "klient"]
    assert "#cus" in analyze("custmer", "stems+ngrams")
    assert char_ngrams("nps") == []  # too short for n-grams
    assert char_ngrams("efort") == ["^ef", "efo", "for", "ort", "rt$"]
    shared = set(analyze("custmer", "ngrams")) & set(analyze("customer", "ngrams"))
    assert len(shared) >= 3  # what lets typos match
