"""The complete concept table of the bundled corpus, by hand.

``GROUPS`` are the concepts named by more than one entry, shared only by strict
equivalents (what a translator would file under one termbase concept: "customer
journey map" and "journey mapping" are two concepts; CSAT and customer
satisfaction are two). Every entry not in a group is a concept of its own, so
*every* one of the 234 entries has a concept (``concept_table``), and every
cross-language pair inside a group is a true link: equivalents precision is
judged over every link Glossa makes, recall over every true pair.
``NEGATIVES`` lists confusable pairs that must not be linked (a diagnostic; the
table already makes them false)."""

# (glossary file prefix, exact term)
GROUPS: dict[str, list[tuple[str, str]]] = {
    "ces": [("002", "امتیاز تلاش مشتری"), ("004", "客户努力得分")],
    "nps": [("001", "Net Promoter Score"), ("003", "Net Promoter Score"), ("002", "امتیاز خالص مروجان"), ("004", "净推荐值")],
    "csat": [("001", "Customer Satisfaction Score"), ("002", "امتیاز رضایت مشتری"), ("004", "客户满意度")],
    "churn": [("003", "Churn"), ("002", "ریزش مشتری")],
    "retention": [("002", "حفظ مشتری"), ("004", "客户保持率"), ("003", "Wskaźnik utrzymania klienta")],
    "cx": [("000", "customer experience"), ("001", "Customer Experience"), ("002", "تجربه مشتری"), ("004", "客户体验")],
    "journey_map": [("000", "mapa podróży klienta"), ("000", "Customer Journey"), ("003", "Customer journey"),
                    ("002", "نقشه سفر مشتری"), ("004", "客户旅程地图")],
    "ltv": [("002", "ارزش طول عمر مشتری"), ("004", "客户终生价值"), ("003", "Długoterminowa wartość klienta")],
    "sla": [("002", "توافقنامه سطح خدمات"), ("003", "SLA"), ("004", "服务水平协议")],
    "fcr": [("001", "First Call Resolution Rate"), ("002", "حل مشکل در اولین تماس")],
    "frt": [("002", "اولین زمان پاسخگویی"), ("004", "首次响应时间"), ("003", "Czas do pierwszej odpowiedzi")],
    "resolution_time": [("002", "زمان حل مشکل"), ("003", "Czas rozwiązania")],
    "crm": [("001", "Customer Relationship Management"), ("003", "CRM"), ("002", "مدیریت ارتباط با مشتریان")],
    "kpi": [("001", "Key Performance Indicator"), ("002", "شاخص های کلیدی عملکرد")],
    "knowledge_base": [("001", "Baza wiedzy"), ("002", "پایگاه دانش"), ("004", "知识库")],
    "help_desk": [("001", "Help Desk"), ("003", "Helpdesk"), ("002", "هلپ دِسک"), ("004", "服务台")],
    "ivr": [("001", "Interactive voice response"), ("004", "IVR")],
    "bpo": [("003", "Outsourcing procesów biznesowych"), ("004", "业务流程外包"), ("002", "برون سپاری")],
    "upselling": [("003", "Upselling"), ("002", "بیش فروشی")],
    "chatbot": [("003", "Chatbot"), ("004", "聊天机器人")],
    "conversational_ai": [("003", "AI konwersacyjne"), ("004", "对话式人工智能")],
    "call_center": [("003", "Call center"), ("004", "呼叫中心")],
    "self_service": [("003", "Samoobsługa"), ("004", "自助服务")],
    "loyalty": [("003", "Lojalność konsumencka"), ("002", "وفاداری"), ("004", "客户忠诚度")],
    "lifecycle": [("001", "Customer Lifecycle"), ("002", "چرخه عمر مشتری")],
    "segmentation": [("003", "Segmentacja klientów"), ("004", "客户群")],
    "macro": [("002", "ماکرو"), ("003", "Odpowiedź “z puszki”")],
    "routing": [("004", "工单路由"), ("003", "Routing automatyczny")],
    "word_of_mouth": [("002", "تبلیغات دهان به دهان"), ("003", "Rekomendacja konsumencka")],
    "ticket_volume": [("004", "工单量"), ("003", "Ilość zapytań klienckich")],
    "customer_service": [("004", "客户服务"), ("003", "Obsługa klienta")],
    "automation": [("002", "اتوماسیون"), ("003", "Automatyzacja")],
    "priority": [("002", "اولویت"), ("003", "Priorytet")],
    "customer_centric": [("002", "مشتری محور"), ("000", "customer focused")],
    "channels": [("004", "客户服务渠道"), ("003", "Kanał obsługi klienta")],
    "multichannel": [("002", "پشتیبانی چند کانالی"), ("003", "Wsparcie multichannel")],
    # same language, two glossaries: one concept, no cross-language pair
    "omnichannel": [("001", "Omnichannel"), ("003", "Wsparcie omnichannel")],
    "live_chat": [("001", "Live Chat"), ("003", "Live chat")],
    "agent": [("001", "Agent"), ("003", "Agent")],
}  # fmt: skip

# Related or look-alike, but not the same concept.
NEGATIVES: list[tuple[tuple[str, str], tuple[str, str]]] = [
    (("002", "امتیاز تلاش مشتری"), ("004", "客户满意度")),
    (("002", "امتیاز رضایت مشتری"), ("004", "净推荐值")),
    (("001", "Net Promoter Score"), ("002", "امتیاز رضایت مشتری")),
    (("002", "ریزش مشتری"), ("004", "客户保持率")),
    (("001", "Service Level"), ("004", "服务水平协议")),
    (("002", "اولین زمان پاسخگویی"), ("004", "平均响应时间")),
    (("002", "زمان حل مشکل"), ("004", "首次响应时间")),
    (("004", "服务台"), ("002", "هلپ سنتر")),
    (("000", "employee net promoter score"), ("004", "净推荐值")),
    (("003", "Chatbot"), ("004", "对话式人工智能")),
    (("002", "تجربه مشتری"), ("004", "客户服务")),
    (("002", "تجربه کاربر"), ("004", "客户体验")),
    (("003", "Cross-selling"), ("002", "بیش فروشی")),
    (("001", "Customer Lifecycle"), ("004", "客户终生价值")),
]  # fmt: skip


def concept_table(entries) -> dict[str, str]:
    """entry id -> concept id for every entry: its group, else its own concept
    (``solo-<entry id>``). Fails loudly if a group names an entry the parsers
    do not produce."""
    by_key = {(e.source[:3], e.term): e.id for e in entries}
    table = {e.id: f"solo-{e.id}" for e in entries}
    for concept, members in GROUPS.items():
        for member in members:
            if member not in by_key:
                raise KeyError(
                    f"concept {concept!r}: no entry {member[1]!r} in glossary {member[0]}"
                )
            table[by_key[member]] = concept
    return table
