// The live support floor: one graphql-ws connection with the API key, three subscriptions.
(function () {
  'use strict';

  const FLOOR = `subscription Floor { dashboard(everySeconds: 1) {
    at
    queues { id name stats { waiting assigned longestWaitSeconds agentsOnline breachedToday } }
    today { conversations avgFirstResponseSeconds resolutionRate slaAttainment csatAverage nps }
    openFeedback overdueFeedback
  } }`;
  const SLA = 'subscription { slaAlerts { state target dueAt at conversation { id channel } } }';
  const OVERDUE = 'subscription { feedbackOverdue { id summary } }';

  const $ = (id) => document.getElementById(id);
  const cell = (text) => {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  };
  const seconds = (value) => (value == null ? '–' : value < 120 ? `${Math.round(value)} s` : `${Math.round(value / 60)} min`);
  const percent = (value) => (value == null ? '–' : `${Math.round(value * 100)}%`);
  const plain = (value) => (value == null ? '–' : String(Math.round(value * 10) / 10));

  function showFloor(floor) {
    const rows = floor.queues.map((queue) => {
      const tr = document.createElement('tr');
      tr.dataset.queue = queue.id;
      for (const text of [queue.name, queue.stats.waiting, queue.stats.assigned, seconds(queue.stats.longestWaitSeconds), queue.stats.agentsOnline, queue.stats.breachedToday]) tr.append(cell(String(text)));
      return tr;
    });
    $('queues').replaceChildren(...rows);
    const today = floor.today;
    const figures = [
      ['Conversations', String(today.conversations), 'conversations'],
      ['First response', seconds(today.avgFirstResponseSeconds), 'first-response'],
      ['Resolved', percent(today.resolutionRate), 'resolved'],
      ['SLA met', percent(today.slaAttainment), 'sla'],
      ['CSAT', plain(today.csatAverage), 'csat'],
      ['NPS', plain(today.nps), 'nps'],
      ['Open feedback', String(floor.openFeedback), 'open-feedback'],
      ['Overdue feedback', String(floor.overdueFeedback), 'overdue-feedback'],
    ].map(([label, value, name]) => {
      const div = document.createElement('div');
      div.className = 'figure';
      div.dataset.figure = name;
      const b = document.createElement('b');
      b.textContent = value;
      div.append(b, label);
      return div;
    });
    $('today').replaceChildren(...figures);
    $('status').textContent = `live, as of ${new Date(floor.at).toLocaleTimeString()}`;
  }

  function alert(text, className) {
    const li = document.createElement('li');
    li.className = className;
    li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    $('alerts').prepend(li);
    while ($('alerts').children.length > 50) $('alerts').lastChild.remove();
  }

  let client;
  function connect(key) {
    if (client) client.dispose();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    client = graphqlWs.createClient({ url, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 10 });
    const fail = (error) => {
      const message = Array.isArray(error) ? error.map((e) => e.message).join('; ') : error && error.reason ? error.reason : String(error);
      $('status').textContent = `error: ${message}`;
    };
    client.subscribe({ query: FLOOR }, { next: (result) => (result.data ? showFloor(result.data.dashboard) : fail(result.errors)), error: fail, complete() {} });
    client.subscribe({ query: SLA }, { next: (result) => result.data && alert(`SLA ${result.data.slaAlerts.state}: ${result.data.slaAlerts.target} of a ${result.data.slaAlerts.conversation.channel} conversation`, result.data.slaAlerts.state), error() {}, complete() {} });
    client.subscribe({ query: OVERDUE }, { next: (result) => result.data && alert(`Feedback overdue: ${result.data.feedbackOverdue.summary}`, 'overdue'), error() {}, complete() {} });
    $('status').textContent = 'connecting…';
  }

  $('connect').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('key').value.trim();
    if (!key) return;
    sessionStorage.setItem('cdp-key', key);
    connect(key);
  });
  const saved = sessionStorage.getItem('cdp-key');
  if (saved) connect(saved);
})();
