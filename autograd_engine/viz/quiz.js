// The stepper page as a quiz (BackwardStepper(..., quiz=True)). DATA.quiz.questions holds, for
// each edge of each backward step, the term the firing node sends along it (the engine's own
// number, autograd_engine/viz/quiz.py). The player is held at the first unanswered question;
// a right answer (or a reveal) lets it go on. grade() mirrors quiz.py's grade(), so Python's
// tests and this page judge every answer the same way.
(function () {
  const byId = (id) => document.getElementById(id);
  const page = window.stepperPage;
  const quiz = DATA.quiz;
  const questions = quiz.questions;
  const frames = DATA.frames;
  const numberPattern = new RegExp("^(?:" + quiz.number + ")$");
  const input = byId("answer");
  const feedback = byId("quiz-feedback");
  // For each question: null (not yet answered), "first" (right first try), "retry" (right
  // after a wrong answer) or "revealed"; and the number of answers it was given.
  // A term a "+" passes on unchanged is "given": filled in, never asked, never scored.
  const outcome = questions.map((q) => (q.given ? "given" : null));
  const tries = questions.map(() => 0);
  const byFrame = new Map();
  questions.forEach((q, i) => {
    if (!byFrame.has(q.frame)) byFrame.set(q.frame, []);
    byFrame.get(q.frame).push(i);
  });

  // --- judging an answer: the same rules as quiz.py ---------------------------------------
  function parse(text) {
    const t = text.trim().replace(/\u2212/g, "-");
    if (!numberPattern.test(t)) return null;
    const value = Number(t);
    return Number.isFinite(value) ? value : null;
  }
  const isRight = (typed, answer) => (answer === 0 ? Math.abs(typed) <= quiz.abs_tol
    : Math.abs(typed - answer) <= quiz.rel_tol * Math.abs(answer));
  function grade(q, text) {
    const typed = parse(text);
    if (typed === null) {
      return ["unreadable", `'${text.trim()}' is not a number: type a decimal such as 0.5, -1.5, .25 or 1e-3`];
    }
    if (isRight(typed, q.answer)) return ["right", ""];
    for (const [value, why] of q.mistakes) if (isRight(typed, value)) return ["wrong", why];
    return ["wrong", ""];
  }

  // --- where the learner is ---------------------------------------------------------------
  const pending = () => outcome.indexOf(null);  // the question asked now (-1: all done)
  const asked = questions.filter((q) => !q.given).length;
  const number = questions.map((q, i) => questions.slice(0, i + 1).filter((p) => !p.given).length);
  function hold() {
    const p = pending();
    page.setLimit(p === -1 ? frames.length - 1 : questions[p].frame);
  }
  function score() {
    const count = (kind) => outcome.filter((o) => o === kind).length;
    byId("score-first").textContent = String(count("first"));
    byId("score-attempts").textContent = String(tries.reduce((a, b) => a + b, 0));
    byId("score-revealed").textContent = String(count("revealed"));
    byId("score-answered").textContent = String(outcome.filter((o) => o !== null && o !== "given").length);
    byId("score-total").textContent = String(asked);
  }
  function say(text, kind) {
    feedback.textContent = text;
    feedback.className = kind;
  }

  // Edges whose term is still to be found keep their label hidden; the one asked is marked.
  let marked = [];
  function redraw(k) {
    for (const el of marked) el.classList.remove("quiz-hidden", "asked");
    marked = [];
    const here = byFrame.get(k) || [];
    const p = pending();
    const asking = here.includes(p);
    for (const i of here) {
      const el = byId(questions[i].edge);
      if (el === null || outcome[i] !== null) continue;
      el.classList.add("quiz-hidden");
      if (i === p) el.classList.add("asked");
      marked.push(el);
    }
    if (here.length > 0) {
      // The caption's first line names the firing node; line 1 + j is edge j's product,
      // shown once found (until then a question mark).
      const lines = frames[k].caption.split("\n");
      const edges = here.map((i, j) => (outcome[i] !== null ? lines[1 + j]
        : `  to ${DATA.nodes[questions[i].receiver].name}: ?` + (i === p ? "   <- your turn" : "")));
      byId("caption").textContent = [lines[0], ...edges].join("\n");
    }
    input.disabled = !asking;
    byId("check").disabled = !asking;
    byId("reveal").disabled = !asking;
    const prompt = byId("quiz-prompt");
    if (asking) {
      prompt.textContent = `Question ${number[p]} of ${asked}: ${questions[p].prompt}`;
      if (document.activeElement !== input) input.focus({ preventScroll: true });
    } else if (p === -1) {
      const first = outcome.filter((o) => o === "first").length;
      prompt.textContent = `Done: ${first} of ${asked} right first try. ` +
        "Step through the rest of the pass (→, End), or reload the page to try again.";
    } else {
      prompt.textContent = `Step on (→ or next ▶) to question ${number[p]} of ${asked}, ` +
        `at frame ${questions[p].frame}.`;
    }
    score();
  }

  function settle(i, kind) {
    outcome[i] = kind;
    input.value = "";
    hold();
    const k = page.current();
    const here = byFrame.get(k) || [];
    // The last term of this step found: on to the next frame, where the terms arrive.
    if (here.every((j) => outcome[j] !== null)) page.show(k + 1); else redraw(k);
  }
  function check() {
    const p = pending();
    if (p === -1 || questions[p].frame !== page.current()) return;
    const q = questions[p];
    const [verdict, why] = grade(q, input.value);
    if (verdict === "unreadable") { say(why, "unreadable"); return; }
    tries[p] += 1;
    if (verdict === "right") {
      say(`✓ right: ${q.product}`, "right");
      settle(p, tries[p] === 1 ? "first" : "retry");
      return;
    }
    say(`✗ ${input.value.trim()} is not the term${why ? ": " + why : ""}.\n` +
        `The rule: ${q.rule}.  The chain rule: ${q.product}.\n` +
        "Type it to go on, or press reveal.", "wrong");
    score();
    input.select();
  }
  function reveal() {
    const p = pending();
    if (p === -1 || questions[p].frame !== page.current()) return;
    const q = questions[p];
    say(`revealed: the rule ${q.rule}; the chain rule ${q.product}`, "revealed");
    settle(p, "revealed");
  }

  byId("check").addEventListener("click", check);
  byId("reveal").addEventListener("click", reveal);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); check(); }
  });
  const percent = Math.round(quiz.rel_tol * 1000) / 10;
  byId("tolerance").textContent =
    `Enter checks. Right means within ${percent}% of the engine's number (0 only for an exact 0)`;
  page.onShow(redraw);
  hold();
  page.show(page.current());
  // For tests and the console.
  window.stepperQuiz = { grade: (i, text) => grade(questions[i], text), pending,
                         outcome: () => outcome.slice(), tries: () => tries.slice() };
})();
