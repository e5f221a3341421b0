"""Knowledge: the FAQ catalog (entries, cards, quiz questions), normalising how people type
Vietnamese, the classifier and matcher, the evaluation, and the questions left unanswered.

Writes: `faq_gaps`.
Imports: core only.
"""
