"""Self-rehearsal settings (``corpus.replay``) and the packaged general instructions the base
model answers; the rows are built by :mod:`presstune.corpus.replay`."""

from __future__ import annotations

from pydantic import Field

from presstune.schema import Strict

#: Open general instructions (our own wording). Topics are chosen apart from the retention
#: questions' and texts' (capitals, planets, rivers, animals, diet, printing, bees, weather ...).
GENERAL_INSTRUCTIONS: list[str] = [
    "Explain in two sentences why people use passwords.",
    "Write a short polite e-mail asking a colleague to move a meeting to Thursday.",
    "Give three tips for keeping a desk tidy.",
    "What is the difference between a noun and a verb? Give an example of each.",
    "Rewrite this sentence so that it sounds more formal: we gotta finish this stuff by tomorrow.",
    "Explain what a budget is to a twelve-year-old.",
    "List four things to pack for a weekend hiking trip.",
    "Write a haiku about a quiet morning.",
    "A shop sells pens at 3 euros each. How much do 5 pens cost? Explain the calculation.",
    "Summarise the idea of teamwork in one sentence.",
    "What does a thermometer measure?",
    "Suggest a name for a small bakery and explain your choice.",
    "Explain the rules of tic-tac-toe briefly.",
    "Write a two-sentence story about a lost umbrella.",
    "What are the advantages of learning a second language? Give two.",
    "How do you politely decline an invitation? Give an example sentence.",
    "Explain what a spreadsheet is used for.",
    "Give a simple recipe for a cheese sandwich.",
    "What is a synonym? Give a synonym for 'happy'.",
    "Describe how to tie a simple knot in a few steps.",
    "Write a short thank-you note to a teacher.",
    "Why is it a good idea to back up files on a computer?",
    "Convert 2 hours and 30 minutes into minutes and show the working.",
    "Explain the difference between weather and a weather forecast in one sentence.",
    "List three ways to save electricity at home.",
    "Write a friendly greeting for the first page of a company newsletter.",
    "What is the purpose of a table of contents in a book?",
    "Give two examples of renewable materials used in furniture.",
    "Explain what a deadline is and why it matters at work.",
    "Write a Python function that returns the larger of two numbers.",
    "What does the word 'punctual' mean? Use it in a sentence.",
    "Give three questions you could ask in a job interview as the candidate.",
    "Describe the colour orange to someone in two sentences.",
    "How can you tell whether a sentence is a question when it is written down?",
    "Write a short product description for a reusable water bottle.",
    "Explain what recycling means.",
    "If a train leaves at 14:10 and arrives at 15:25, how long is the journey?",
    "Give advice to someone starting their first day at a new job.",
    "What is the difference between 'their', 'there' and 'they're'?",
    "Write a limerick about a cat who likes boxes.",
    "Explain why people shake hands when they meet.",
    "List the steps to make a cup of tea.",
    "What is an umbrella made of? Name two materials.",
    "Write an out-of-office reply for a one-week holiday.",
    "Explain the idea of a queue to a child.",
    "What is 15 percent of 200? Show the calculation.",
    "Give two reasons why reading before sleep can help people relax.",
    "Write a short motivational sentence for a running club.",
    "What is a map legend used for?",
    "Describe a bicycle in three sentences.",
    "Write a SQL query that selects all rows from a table called orders.",
    "Explain what an alarm clock does and why people use one.",
    "Give three ideas for a rainy-day activity indoors.",
    "What does it mean to proofread a text?",
    "Write a two-line poem about the sea breeze.",
    "How do you calculate the average of three numbers? Use 4, 8 and 9 as the example.",
    "Explain the difference between a city and a village.",
    "Write a short apology for replying late to a message.",
    "List three common kitchen tools and what they are used for.",
    "What is the purpose of a signature on a letter?",
    "Explain what a hobby is and give two examples.",
    "Write a short agenda for a 30-minute team meeting.",
    "Why do people use calendars?",
    "Describe the sound of rain on a window in one sentence.",
    "Give two tips for speaking clearly in a presentation.",
    "What is the difference between borrowing and lending?",
    "Write a JavaScript line that prints 'Hello' to the console.",
    "Explain what a receipt is.",
    "Suggest three names for a pet goldfish.",
    "How many minutes are there in three quarters of an hour? Explain.",
    "Write a one-paragraph welcome message for new members of a book club.",
    "Explain why it is useful to label boxes when moving house.",
    "What is a compliment? Give an example.",
    "List three things that make a good friend.",
    "Explain the difference between a question and a statement.",
    "Write a short text message inviting a friend to a picnic.",
    "What does a librarian do? Answer in one sentence.",
    "Give a short definition of the word 'innovation'.",
    "Describe how to water a houseplant properly.",
    "Write a riddle whose answer is 'a key'.",
    "Explain what a password manager does.",
    "What are two benefits of walking to work?",
    "Rewrite this sentence in the past tense: I write a letter to my aunt.",
    "Explain what a timetable is.",
    "Write a short review of an imaginary café.",
    "Give three ways to remember a new word.",
    "What is the difference between a lake and a pond, roughly?",
    "Explain what 'first come, first served' means.",
    "Write a polite request asking neighbours to keep the noise down after 22:00.",
    "If you save 10 euros every week, how much do you have after 12 weeks?",
    "Explain why bridges are useful.",
    "Give two examples of good manners at the dinner table.",
    "Write a short caption for a photo of a sunset over a harbour.",
    "What is the role of a referee in a football match?",
    "Explain the difference between a fact and an opinion, with an example of each.",
    "List three reasons why people keep a diary.",
    "Write a short description of an autumn forest walk.",
]


class ReplayConfig(Strict):
    """Self-rehearsal rows (``corpus.mix.replay_file: base``): the base model answers
    :data:`GENERAL_INSTRUCTIONS` once; the mix's ``replay`` share draws from those rows."""

    model: str = Field(
        "base",
        description='"base": the run\'s base model (the pipeline fills in `model.name_or_path`); or a hub id / path.',
    )
    instructions: int = Field(
        len(GENERAL_INSTRUCTIONS),
        ge=1,
        le=len(GENERAL_INSTRUCTIONS),
        description="How many of the packaged instructions are answered (from the start of the list).",
    )
    max_new_tokens: int = Field(192, ge=8, description="Tokens per replayed answer.")
    batch_size: int = Field(8, ge=1, description="Instructions per generate call.")
    min_chars: int = Field(
        20, ge=0, description="Answers shorter than this many characters (empty, cut-off noise) are not replayed."
    )
    keep_cut_off: bool = Field(
        False,
        description=(
            "Replay answers cut off at `max_new_tokens` too: trained with an end of turn, "
            "they would teach the model to stop mid-sentence, so by default they are left out "
            "(and counted)."
        ),
    )
