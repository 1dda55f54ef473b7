"""Engagement: opinions from members and the public (意见建议, 群众反映, 咨询) and the echo wall
(回音壁) of published answers.

An opinion is about an organization, optionally one of its catalog items or one of its
disclosures. It gets a tracking code, a responsible unit and an answer deadline in working
days; staff triage, assign, answer and publish it to the echo wall in a scope; the sender
follows it by its code and rates the answer once. The rules are `engagement.services`; pages,
kiosk and API only call them. The public sees an opinion only as masked text
(`masked_question`, `masked_answer`), never the sender's name or contact.

Not the same as `gongkai.disclosures.models.Opinion`: members' opinions on a draft out for
consultation.
"""
