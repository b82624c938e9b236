"""Hand-written relevance judgments, organised by concept.

A concept lists every entry (glossary file prefix, exact term) that names it,
across languages, with a grade: 2 = the entry answers a query about the concept,
1 = closely related. Queries point at concepts; ``build_gold.py`` expands them
into BEIR qrels, so every entry of a concept is judged for every query about it.
"""

CONCEPTS: dict[str, list[tuple[str, str, int]]] = {
    "ces": [("002", "امتیاز تلاش مشتری", 2), ("004", "客户努力得分", 2)],
    "nps": [
        ("001", "Net Promoter Score", 2), ("003", "Net Promoter Score", 2),
        ("002", "امتیاز خالص مروجان", 2), ("004", "净推荐值", 2),
        ("000", "employee net promoter score", 1),
    ],
    "csat": [
        ("001", "Customer Satisfaction Score", 2), ("002", "امتیاز رضایت مشتری", 2),
        ("004", "客户满意度", 2), ("003", "Satysfakcja konsumencka", 1),
    ],
    "churn": [
        ("003", "Churn", 2), ("002", "ریزش مشتری", 2),
        ("002", "حفظ مشتری", 1), ("004", "客户保持率", 1), ("003", "Wskaźnik utrzymania klienta", 1),
    ],
    "retention": [
        ("002", "حفظ مشتری", 2), ("004", "客户保持率", 2), ("003", "Wskaźnik utrzymania klienta", 2),
        ("003", "Churn", 1), ("002", "ریزش مشتری", 1),
    ],
    "cx": [
        ("000", "customer experience", 2), ("001", "Customer Experience", 2),
        ("002", "تجربه مشتری", 2), ("004", "客户体验", 2), ("003", "Doświadczenie klienta online", 1),
    ],
    "journey_map": [
        ("000", "mapa podróży klienta", 2), ("000", "Customer Journey", 2), ("003", "Customer journey", 2),
        ("003", "Mapowanie podróży klienta", 2), ("002", "نقشه سفر مشتری", 2), ("004", "客户旅程地图", 2),
    ],
    "ltv": [
        ("002", "ارزش طول عمر مشتری", 2), ("004", "客户终生价值", 2),
        ("003", "Długoterminowa wartość klienta", 2),
    ],
    "sla": [
        ("002", "توافقنامه سطح خدمات", 2), ("003", "SLA", 2), ("004", "服务水平协议", 2),
        ("001", "Service Level", 1),
    ],
    "fcr": [("001", "First Call Resolution Rate", 2), ("002", "حل مشکل در اولین تماس", 2)],
    "aht": [
        ("002", "میانگین زمان رسیدگی", 2), ("003", "Czas serwisowania", 1),
        ("003", "Średni czas rozwiązania", 1),
    ],
    "frt": [
        ("002", "اولین زمان پاسخگویی", 2), ("004", "首次响应时间", 2),
        ("003", "Czas do pierwszej odpowiedzi", 2),
    ],
    "avg_response": [("004", "平均响应时间", 2), ("003", "Średni czas odpowiedzi na chat", 2)],
    "resolution_time": [
        ("002", "زمان حل مشکل", 2), ("003", "Czas rozwiązania", 2), ("003", "Średni czas rozwiązania", 2),
    ],
    "hold_time": [("002", "زمان انتظار", 2)],
    "crm": [
        ("001", "Customer Relationship Management", 2), ("003", "CRM", 2),
        ("002", "مدیریت ارتباط با مشتریان", 2),
    ],
    "kpi": [("001", "Key Performance Indicator", 2), ("002", "شاخص های کلیدی عملکرد", 2)],
    "knowledge_base": [("001", "Baza wiedzy", 2), ("002", "پایگاه دانش", 2), ("004", "知识库", 2)],
    "help_desk": [
        ("001", "Help Desk", 2), ("003", "Helpdesk", 2), ("002", "هلپ دِسک", 2), ("004", "服务台", 2),
    ],
    "ivr": [("001", "Interactive voice response", 2), ("004", "IVR", 2)],
    "bpo": [
        ("003", "Outsourcing procesów biznesowych", 2), ("004", "业务流程外包", 2),
        ("002", "برون سپاری", 2),
    ],
    "upselling": [("003", "Upselling", 2), ("002", "بیش فروشی", 2), ("003", "Cross-selling", 1)],
    "chatbot": [
        ("003", "Chatbot", 2), ("004", "聊天机器人", 2),
        ("003", "AI konwersacyjne", 1), ("004", "对话式人工智能", 1),
    ],
    "call_center": [("003", "Call center", 2), ("004", "呼叫中心", 2), ("001", "Contact Center", 1)],
    "self_service": [("003", "Samoobsługa", 2), ("004", "自助服务", 2), ("003", "Odsetek samoobsługi", 1)],
    "omnichannel": [
        ("001", "Omnichannel", 2), ("003", "Wsparcie omnichannel", 2),
        ("002", "پشتیبانی چند کانالی", 1), ("003", "Wsparcie multichannel", 1),
    ],
    "loyalty": [
        ("003", "Lojalność konsumencka", 2), ("002", "وفاداری", 2), ("004", "客户忠诚度", 2),
    ],
    "live_chat": [("001", "Live Chat", 2), ("003", "Live chat", 2), ("001", "Web chat", 1)],
    "acw": [("001", "After-Call Work", 2)],
    "lifecycle": [("001", "Customer Lifecycle", 2), ("002", "چرخه عمر مشتری", 2)],
    "segmentation": [("003", "Segmentacja klientów", 2), ("004", "客户群", 2)],
    "complaint": [("003", "Skarga", 2), ("004", "顾客不满", 1)],
    "touchpoint": [("000", "punkt styku", 2)],
    "macro": [
        ("002", "ماکرو", 2), ("003", "Odpowiedź “z puszki”", 2), ("003", "Wzór odpowiedzi", 2),
    ],
    "routing": [("004", "工单路由", 2), ("003", "Routing automatyczny", 2)],
    "gdpr": [("003", "RODO", 2)],
    "acd": [("001", "Automatic Call Distributor", 2)],
    "word_of_mouth": [("002", "تبلیغات دهان به دهان", 2), ("003", "Rekomendacja konsumencka", 2)],
    "ticket_volume": [("004", "工单量", 2), ("003", "Ilość zapytań klienckich", 2)],
    "peak": [("003", "Godziny szczytowe", 2), ("003", "Okres szczytowy", 2)],
    "voc": [("002", "صدای مشتری", 2)],
    "gamification": [("002", "بازی سازی", 2)],
    "email_support": [("003", "Obsługa klienta przez email", 2)],
}  # fmt: skip

# (query id, language, kind, text, concepts)
QUERIES: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    ("en-q01", "en", "question", "what measures customer effort", ("ces",)),
    ("en-q02", "en", "question", "how long do callers wait on average", ("hold_time", "aht")),
    ("en-q03", "en", "question", "how likely are customers to recommend us", ("nps",)),
    ("en-q04", "en", "question", "share of customers who stop using the product", ("churn",)),
    ("en-q05", "en", "question", "how much revenue does one customer bring over the whole relationship", ("ltv",)),
    ("en-q06", "en", "question", "contract that defines the expected level of service", ("sla",)),
    ("en-q07", "en", "question", "problem solved during the first contact", ("fcr",)),
    ("en-q08", "en", "question", "time until the first reply to a customer", ("frt",)),
    ("en-q09", "en", "question", "self-help articles where customers find answers", ("knowledge_base",)),
    ("en-q10", "en", "question", "phone menu that routes callers by pressing keys", ("ivr",)),
    ("pl-q01", "pl", "question", "odsetek klientów, którzy odchodzą", ("churn",)),
    ("pl-q02", "pl", "question", "jak mierzyć wysiłek klienta", ("ces",)),
    ("pl-q03", "pl", "term", "wskaźnik satysfakcji klienta", ("csat",)),
    ("pl-q04", "pl", "term", "wartość klienta w całym cyklu życia", ("ltv",)),
    ("pl-q05", "pl", "term", "baza wiedzy", ("knowledge_base",)),
    ("pl-q06", "pl", "question", "ile czasu klient czeka na pierwszą odpowiedź", ("frt",)),
    ("fa-q01", "fa", "term", "امتیاز خالص مروجان", ("nps",)),
    ("fa-q02", "fa", "term", "ریزش مشتری", ("churn",)),
    ("fa-q03", "fa", "term", "مدیریت ارتباط با مشتریان", ("crm",)),
    ("fa-q04", "fa", "question", "مشتری برای حل مشکلش چقدر تلاش می کند", ("ces",)),
    ("fa-q05", "fa", "term", "نقشه سفر مشتری", ("journey_map",)),
    ("zh-q01", "zh", "term", "客户流失", ("churn",)),
    ("zh-q02", "zh", "term", "客户满意度", ("csat",)),
    ("zh-q03", "zh", "term", "知识库", ("knowledge_base",)),
    ("zh-q04", "zh", "question", "客户第一次得到回复需要多长时间", ("frt",)),
    ("zh-q05", "zh", "term", "聊天机器人", ("chatbot",)),
    ("de-q01", "de", "question", "Kundenzufriedenheit messen", ("csat",)),
    ("es-q01", "es", "term", "tasa de abandono de clientes", ("churn",)),
    ("ru-q01", "ru", "term", "база знаний", ("knowledge_base",)),
    ("ac-q01", "en", "acronym", "NPS", ("nps",)),
    ("ac-q02", "en", "acronym", "CSAT", ("csat",)),
    ("ac-q03", "en", "acronym", "CES", ("ces",)),
    ("ac-q04", "en", "acronym", "AHT", ("aht",)),
    ("ac-q05", "en", "acronym", "FCR", ("fcr",)),
    ("ac-q06", "en", "acronym", "CRM", ("crm",)),
    ("ac-q07", "en", "acronym", "LTV", ("ltv",)),
    ("ac-q08", "en", "acronym", "SLA", ("sla",)),
    ("ac-q09", "en", "acronym", "BPO", ("bpo",)),
    ("ac-q10", "en", "acronym", "IVR", ("ivr",)),
    ("ty-q01", "pl", "typo", "satysfakcja klienta", ("csat",)),
    ("ty-q02", "en", "typo", "custmer efort", ("ces",)),
    ("ty-q03", "pl", "typo", "obsluga klienta przez email", ("email_support",)),
    ("pa-q01", "en", "paraphrase", "people leaving us for a competitor", ("churn",)),
    ("pa-q02", "en", "paraphrase", "robot that answers in a messenger window", ("chatbot",)),
]  # fmt: skip
