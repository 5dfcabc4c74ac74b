// Replay controls under the chart: previous / next and a slider over an instance's steps (the
// server computes them by replaying the event log through the machine).

import { byId, timeOf, replaceChildren } from './dom.js';

export function createReplay(onStep) {
  const bar = byId('replay');
  const slider = byId('step-slider');
  const prev = byId('step-prev');
  const next = byId('step-next');
  let steps = [];
  let index = 0;

  function render() {
    slider.max = String(Math.max(steps.length - 1, 0));
    slider.value = String(index);
    prev.disabled = index <= 0;
    next.disabled = index >= steps.length - 1;
    const step = steps[index];
    replaceChildren(byId('step-label'), step === undefined ? [] : [`step ${index + 1} of ${steps.length}: `, step.type, ' at ', timeOf(step.at), ` → ${step.state}`]);
    bar.dataset.step = String(index);
  }

  const go = (to) => {
    const bounded = Math.min(Math.max(to, 0), steps.length - 1);
    if (bounded === index || steps.length === 0) return;
    index = bounded;
    render();
    onStep(index);
  };
  prev.addEventListener('click', () => go(index - 1));
  next.addEventListener('click', () => go(index + 1));
  slider.addEventListener('input', () => go(Number(slider.value)));

  return {
    /** New steps (a newer version of the instance); shows `at`. */
    set(nextSteps, at) {
      steps = nextSteps;
      index = Math.min(Math.max(at, 0), Math.max(steps.length - 1, 0));
      bar.hidden = steps.length === 0;
      render();
    },
    go,
    get index() {
      return index;
    },
    get atEnd() {
      return index >= steps.length - 1;
    },
    hide() {
      bar.hidden = true;
    },
  };
}
