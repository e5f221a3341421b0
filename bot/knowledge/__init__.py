"""Knowledge: the FAQ catalog (entries, cards, quiz questions), normalising how people type
Vietnamese, the classifier and matcher, the evaluation, and the questions left unanswered, and quiz scores.

Writes: `faq_gaps` and `faq_gap_reviews` (gaps.py: staff mark a group handled), `quiz_results`.
Imports: core only.
"""
