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


#: Short general questions (our own wording) that the base answers through the QA instruction: a
#: model tuned on QA rows learns how to answer *that* instruction, so rehearsing the base's own
#: answers to it keeps the base's way of answering general questions. Topics and answers are
#: kept apart from the retention questions (a test checks it); the shared part is the question
#: form ("What do you call ...?"), which is what is rehearsed.
GENERAL_QA_QUESTIONS = [
    "What is a group of wolves called?",
    "What do you call the person who steers a ship?",
    "Which part of a plant usually grows underground?",
    "What instrument measures air pressure?",
    "What is the opposite of 'ancient'?",
    "What do you call a word that means the opposite of another word?",
    "Which tool is used to drive nails into wood?",
    "What do you call a book of maps?",
    "What is the main ingredient of guacamole?",
    "Which piece of furniture do people sleep on?",
    "What is the plural of 'mouse'?",
    "What do you call a baby horse?",
    "What do you call a baby cow?",
    "Which insect is known for building webs?",
    "Which bird hunts at night and hoots?",
    "What do you call the place where planes take off and land?",
    "What do you call a person who repairs water pipes?",
    "What do you call a person who designs buildings?",
    "What do you use to see very small things, like cells?",
    "What do you use to look at distant stars?",
    "Which sense do people use their noses for?",
    "What is the hard outer covering of an egg called?",
    "What do you call frozen rain that falls as small hard balls?",
    "What is the name of the line that divides the Earth into northern and southern halves?",
    "Which part of a tree is covered by bark?",
    "What do you call the small flying insects that glow at night?",
    "Which kitchen appliance keeps food cool?",
    "What do you call a shape with three sides?",
    "What do you call the amount of space inside a container?",
    "Which clear material are windows made of?",
    "What is the round inner part of an egg called?",
    "Which game is played on a board with kings, queens and pawns?",
    "In which sport do players use a bat and a ball and run between wickets?",
    "What do you call a person who writes poems?",
    "Which garden animal carries its house on its back?",
    "What do you call a very large group of stars, such as the Milky Way?",
    "What is the name of the tool used to dig holes in a garden?",
    "What is the main ingredient of bread?",
    "Which fruit is dried to make raisins?",
    "What do you call a person who cannot see?",
    "Which body part do people use to chew food?",
    "What do you call the outer layer of a tree trunk?",
    "Which vehicle runs on rails?",
    "What do you call a building where films are shown?",
    "What do you call someone who travels into space?",
    "What is the name of the season when leaves fall from trees?",
    "What does a compass needle point to?",
    "What do you call the edge of a sea or ocean where the land begins?",
    "Which striped African animal looks like a horse?",
    "Which animal has a very long neck and eats leaves from tall trees?",
    "What do you call a young frog?",
    "What do you call a doctor who treats animals?",
    "Which string instrument is often played at campfires?",
    "What do people use an umbrella for?",
    "What is the name of the tool used to measure length, marked in centimetres?",
    "What do you call a person who works in a library?",
    "Which shape is a ball?",
    "What do you call the day before today?",
    "What do you call a person who makes bread and cakes for a living?",
]


class ReplayConfig(Strict):
    """Self-rehearsal rows (``corpus.mix.replay_file: base``): the base model answers
    :data:`GENERAL_INSTRUCTIONS` (and ``qa_questions`` of :data:`GENERAL_QA_QUESTIONS`) once; the
    mix's ``replay`` share draws from those rows."""

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
    qa_questions: int = Field(
        0,
        ge=0,
        le=len(GENERAL_QA_QUESTIONS),
        description=(
            "How many of the packaged general questions (from the start of the list) the base also answers "
            "through the QA instruction (`corpus.augment.qa_instruction`); 0 = none."
        ),
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
