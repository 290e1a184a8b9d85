// fargo's web console: a single page over fargo's own AWS APIs (same
// origin), re-read whenever fargo's live feed says its state changed.
'use strict';

const TOKEN = document.querySelector('meta[name="fargo-console-token"]').content;
const $ = (sel, root = document) => root.querySelector(sel);
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const enc = encodeURIComponent;
const state = { region: localStorage.getItem('fargo.region') || '', regions: [], status: null, gen: 0 };

// ---- fargo's APIs --------------------------------------------------------

function scope(region, service) {
  const d = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return `AWS4-HMAC-SHA256 Credential=console/${d}/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}
function headers(region, service, extra = {}) {
  return { Authorization: scope(region, service), 'X-Fargo-Console-Token': TOKEN, ...extra };
}
async function failure(resp) {
  const text = await resp.text();
  let msg = text;
  try { const j = JSON.parse(text); msg = (j.__type ? j.__type.split('#').pop() + ': ' : '') + (j.message || j.Message || text); } catch (e) {
    const m = /<Code>([^<]*)<\/Code>[\s\S]*?<Message>([^<]*)<\/Message>/.exec(text);
    if (m) msg = `${m[1]}: ${m[2]}`;
  }
  return new Error(`${resp.status} ${msg}`);
}
// JSON 1.1 services (ECS, CloudWatch Logs).
const TARGETS = { ecs: 'AmazonEC2ContainerServiceV20141113', logs: 'Logs_20140328', ssm: 'AmazonSSM' };
async function json11(service, op, body = {}, region = state.region) {
  const resp = await fetch('/', { method: 'POST', body: JSON.stringify(body), headers: headers(region, service,
    { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `${TARGETS[service]}.${op}` }) });
  if (!resp.ok) throw await failure(resp);
  return resp.json();
}
const ecs = (op, body) => json11('ecs', op, body);
const logs = (op, body) => json11('logs', op, body);
// XML answers as plain objects: repeated <member> become arrays.
function xmlObj(el) {
  const kids = [...el.children];
  if (!kids.length) return el.textContent;
  if (kids.every((k) => k.tagName === 'member')) return kids.map(xmlObj);
  const o = {};
  for (const k of kids) {
    const v = xmlObj(k);
    if (k.tagName in o) { if (!Array.isArray(o[k.tagName]) || !o[`__multi_${k.tagName}`]) { o[k.tagName] = [o[k.tagName]]; o[`__multi_${k.tagName}`] = true; } o[k.tagName].push(v); }
    else o[k.tagName] = v;
  }
  return o;
}
const list = (v) => (v == null || v === '' ? [] : Array.isArray(v) ? v : [v]);
async function elb(action, params = {}) {
  const form = new URLSearchParams({ Action: action, Version: '2015-12-01', ...params });
  const resp = await fetch('/', { method: 'POST', body: form.toString(), headers: headers(state.region, 'elasticloadbalancing',
    { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }) });
  if (!resp.ok) throw await failure(resp);
  const doc = new DOMParser().parseFromString(await resp.text(), 'application/xml');
  return xmlObj(doc.documentElement.firstElementChild);
}
async function s3(path, query = '') {
  const resp = await fetch(path + (query ? '?' + query : ''), { headers: headers('us-east-1', 's3') });
  if (!resp.ok) throw await failure(resp);
  return xmlObj(new DOMParser().parseFromString(await resp.text(), 'application/xml').documentElement);
}
async function fargoStatus() {
  const resp = await fetch('/_fargo/status', { headers: { 'X-Fargo-Console-Token': TOKEN } });
  if (!resp.ok) throw await failure(resp);
  return resp.json();
}
// The image pull of a task still pending (/_fargo/pulls), or null.
async function pullOf(taskArn) {
  try {
    const resp = await fetch('/_fargo/pulls', { headers: { 'X-Fargo-Console-Token': TOKEN } });
    if (!resp.ok) return null;
    const pulls = (await resp.json()).Pulls || [];
    return pulls.filter((p) => p.Owner === taskArn && p.State === 'pulling').pop() || null;
  } catch (e) { return null; }
}
// As `fargo ps` shows it: "pulling 45% 12.1/26.8 MB", "pulling 2/5 layers".
function pullHtml(p) {
  const mb = (n) => (n / 1e6).toFixed(1);
  const layers = p.Layers || [];
  let text = 'pulling';
  if (layers.length && p.Percent >= 0) text += ` ${p.Percent}% ${mb(p.BytesDone)}/${mb(p.BytesTotal)} MB`;
  else if (layers.length) text += ` ${p.LayersDone}/${layers.length} layers`;
  const bar = p.Percent >= 0 ? ` <progress max="100" value="${esc(String(p.Percent))}"></progress>` : '';
  return `<span id="task-pull" class="pull" title="${esc(p.Image)}">${esc(text)}${bar}</span>`;
}
async function all(fn, key, tokenIn = 'nextToken', tokenOut = 'nextToken', body = {}) {
  let out = [], token;
  do { const r = await fn({ ...body, ...(token ? { [tokenIn]: token } : {}) }); out = out.concat(r[key] || []); token = r[tokenOut]; } while (token && out.length < 2000);
  return out;
}
async function inBatches(items, size, fn) {
  let out = [];
  for (let i = 0; i < items.length; i += size) out = out.concat(await fn(items.slice(i, i + size)));
  return out;
}

// ---- formatting ------------------------------------------------------------

const idOf = (arn) => String(arn || '').split('/').pop();
const nameOfArn = (arn) => String(arn || '').split(':').pop();
function when(t) {
  if (t == null || t === '') return '';
  const d = typeof t === 'number' ? new Date(t < 1e12 ? t * 1000 : t) : new Date(t);
  if (isNaN(d)) return esc(t);
  const p2 = (n, w = 2) => String(n).padStart(w, '0');
  const local = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${p2(d.getMilliseconds(), 3)}`;
  return `<time datetime="${d.toISOString()}" title="${d.toISOString()}">${local}</time>`;
}
function badge(s) {
  const v = String(s ?? '');
  const cls = /^(RUNNING|ACTIVE|COMPLETED|HEALTHY|healthy|PRIMARY|active|SUCCESSFUL)$/.test(v) ? 's-ok'
    : /^(STOPPED|FAILED|UNHEALTHY|unhealthy|INACTIVE|failed|DRAINING)$/.test(v) ? 's-bad'
    : /^(UNKNOWN|unused|)$/.test(v) ? 's-muted' : 's-warn';
  return v ? `<span class="badge ${cls}">${esc(v)}</span>` : '';
}
function table(cols, rows, empty = 'None.') {
  if (!rows.length) return `<p class="muted">${esc(empty)}</p>`;
  const head = cols.map((c) => `<th${c.num ? ' class="num"' : ''} scope="col">${esc(c.title)}</th>`).join('');
  const body = rows.map((r) => `<tr>${cols.map((c) => `<td${c.num ? ' class="num"' : ''}>${c.html(r) ?? ''}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
const kv = (pairs) => `<dl class="kv">${pairs.filter((p) => p).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v ?? ''}</dd>`).join('')}</dl>`;
const link = (href, text) => `<a href="${esc(href)}">${esc(text)}</a>`;
const crumbs = (...parts) => `<div class="crumbs">${parts.join(' / ')}</div>`;
function bytes(n) {
  if (n == null || n < 0) return '';
  const u = ['B', 'KiB', 'MiB', 'GiB']; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

// ---- routes ----------------------------------------------------------------
// Every page has its own URL: #/<section>/<region>/... (query after '?').

function parseRoute() {
  const h = location.hash.replace(/^#/, '') || '/';
  const [path, q] = h.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q || ''), slash: path.length > 1 && path.endsWith('/') };
}
function go(hash) { if (location.hash !== hash) location.hash = hash; else render(true); }
const R = (section, ...rest) => '#/' + [section, state.region, ...rest].map(enc).join('/');

const views = {
  async overview() {
    const st = await fargoStatus();
    state.status = st;
    const e = st.Engine || {};
    const engineState = e.Reachable === true ? badge('reachable') : e.Reachable === false ? badge('UNREACHABLE') : badge('checking');
    const regions = Object.entries(st.Regions || {});
    const perRegion = regions.map(([r, counts]) => `<div class="card"><b>${esc(r)}</b>${kv(Object.entries(counts).sort().map(([k, n]) => [k, `<span class="mono">${n}</span>`]))}
      ${r === 'global' ? '' : `<p>${link('#/ecs/' + enc(r), 'ECS')} · ${link('#/logs/' + enc(r), 'Logs')} · ${link('#/elb/' + enc(r), 'Load balancers')}</p>`}</div>`).join('');
    return `<h1>Overview</h1>
      <div class="cards">
        <div class="card"><b>fargo</b>${kv([['version', esc(st.Version)], ['data directory', `<span class="mono">${esc(st.DataDir)}</span>`], ['memory', esc(bytes(st.Memory?.RssBytes))], ['instance', `<span class="mono">${esc(st.Instance)}</span>`]])}</div>
        <div class="card"><b>container engine</b>${kv([['state', engineState], ['engine', esc([e.Name, e.Version].filter(Boolean).join(' '))], ['API', esc(e.ApiVersion)], ['socket', `<span class="mono">${esc(e.Socket)}</span>`]])}
          ${(e.Problems || []).map((p) => `<p class="s-bad">${esc(p)}</p>`).join('')}</div>
      </div>
      <h2>Regions with resources</h2>
      ${regions.length ? `<div class="cards">${perRegion}</div>` : '<p class="muted">No resources yet.</p>'}`;
  },

  async ecs(p) {
    const [, , kind, a, b, c] = p.parts;
    if (kind === 'cluster' && b === 'service') return ecsService(a, c);
    if (kind === 'cluster' && b === 'task') return ecsTask(a, c);
    if (kind === 'cluster') return ecsCluster(a);
    if (kind === 'taskdef') return ecsTaskdef(a, p.query);
    return ecsClusters();
  },
  logs(p) {
    const [, , kind, group] = p.parts;
    if (kind === 'tail') return logsTail(p.query);
    if (kind === 'group') return logsGroup(group);
    return logsGroups();
  },
  elb(p) {
    const [, , kind, arn] = p.parts;
    if (kind === 'lb') return elbLoadBalancer(arn);
    return elbAll();
  },
  s3(p) {
    const [, bucket, ...rest] = p.parts;
    if (!bucket) return s3Buckets();
    return s3Bucket(bucket, rest.join('/') + (rest.length && p.slash ? '/' : ''), p.query);
  },
};

// ---- ECS -------------------------------------------------------------------

async function ecsClusters() {
  const arns = await all((b) => ecs('ListClusters', b), 'clusterArns');
  const clusters = arns.length ? (await ecs('DescribeClusters', { clusters: arns })).clusters : [];
  const families = await all((b) => ecs('ListTaskDefinitionFamilies', b), 'families', 'nextToken', 'nextToken', { status: 'ACTIVE' });
  return `<h1>ECS clusters <span class="muted">${esc(state.region)}</span></h1>
    ${table([
      { title: 'Cluster', html: (c) => link(R('ecs', 'cluster', c.clusterName), c.clusterName) },
      { title: 'Status', html: (c) => badge(c.status) },
      { title: 'Services', num: 1, html: (c) => c.activeServicesCount },
      { title: 'Running tasks', num: 1, html: (c) => c.runningTasksCount },
      { title: 'Pending tasks', num: 1, html: (c) => c.pendingTasksCount },
    ], clusters, 'No clusters in this region.')}
    <h2>Task definitions</h2>
    ${table([{ title: 'Family', html: (f) => link(R('ecs', 'taskdef', f), f) }], families.map((f) => f), 'No task definitions.')}`;
}

async function describeTasks(cluster, arns) {
  return inBatches(arns, 100, async (batch) => (await ecs('DescribeTasks', { cluster, tasks: batch })).tasks || []);
}
function eniOf(t) {
  const att = (t.attachments || []).find((a) => a.type === 'ElasticNetworkInterface');
  const d = Object.fromEntries((att?.details || []).map((x) => [x.name, x.value]));
  return { ip: d.privateIPv4Address || '', eni: d.networkInterfaceId || '', mac: d.macAddress || '', subnet: d.subnetId || '' };
}
const revOf = (arn) => idOf(arn);
function taskRows(cluster, tasks) {
  tasks.sort((x, y) => String(y.createdAt).localeCompare(String(x.createdAt)));
  return table([
    { title: 'Task', html: (t) => `<a class="mono" href="${esc(R('ecs', 'cluster', cluster, 'task', idOf(t.taskArn)))}">${esc(idOf(t.taskArn))}</a>` },
    { title: 'Last status', html: (t) => `<span data-task-status="${esc(idOf(t.taskArn))}">${badge(t.lastStatus)}</span>` },
    { title: 'Desired', html: (t) => `<span data-task-desired="${esc(idOf(t.taskArn))}">${esc(t.desiredStatus)}</span>` },
    { title: 'Health', html: (t) => badge(t.healthStatus) },
    { title: 'Address', html: (t) => `<span class="mono" data-task-ip>${esc(eniOf(t).ip)}</span>` },
    { title: 'Task definition', html: (t) => esc(revOf(t.taskDefinitionArn)) },
    { title: 'Group', html: (t) => esc(t.group) },
    { title: 'Started', html: (t) => when(t.startedAt) },
    { title: 'Stopped reason', html: (t) => esc(t.stoppedReason) },
  ], tasks, 'No tasks.');
}
async function listTasks(body) {
  const running = await all((b) => ecs('ListTasks', b), 'taskArns', 'nextToken', 'nextToken', body);
  const stopped = await all((b) => ecs('ListTasks', b), 'taskArns', 'nextToken', 'nextToken', { ...body, desiredStatus: 'STOPPED' });
  return [...new Set([...running, ...stopped])];
}

async function ecsCluster(cluster) {
  const svcArns = await all((b) => ecs('ListServices', b), 'serviceArns', 'nextToken', 'nextToken', { cluster });
  const services = await inBatches(svcArns, 10, async (batch) => (await ecs('DescribeServices', { cluster, services: batch })).services || []);
  const tasks = await describeTasks(cluster, await listTasks({ cluster }));
  return `${crumbs(link(R('ecs'), 'ECS'), esc(cluster))}<h1>Cluster ${esc(cluster)}</h1>
    <h2>Services</h2>
    ${table([
      { title: 'Service', html: (s) => link(R('ecs', 'cluster', cluster, 'service', s.serviceName), s.serviceName) },
      { title: 'Status', html: (s) => badge(s.status) },
      { title: 'Desired', num: 1, html: (s) => `<span data-desired>${s.desiredCount}</span>` },
      { title: 'Pending', num: 1, html: (s) => `<span data-pending>${s.pendingCount}</span>` },
      { title: 'Running', num: 1, html: (s) => `<span data-running>${s.runningCount}</span>` },
      { title: 'Task definition', html: (s) => esc(revOf(s.taskDefinition)) },
      { title: 'Rollout', html: (s) => (s.deployments || []).map((d) => `${badge(d.status)} ${badge(d.rolloutState)}`).join('<br>') },
    ], services, 'No services.')}
    <h2>Tasks</h2>${taskRows(cluster, tasks)}`;
}

async function ecsService(cluster, name) {
  const s = ((await ecs('DescribeServices', { cluster, services: [name] })).services || [])[0];
  if (!s) return `<p class="error">No service ${esc(name)}.</p>`;
  const tasks = await describeTasks(cluster, await listTasks({ cluster, serviceName: name }));
  return `${crumbs(link(R('ecs'), 'ECS'), link(R('ecs', 'cluster', cluster), cluster), esc(name))}
    <h1>Service ${esc(name)} ${badge(s.status)}</h1>
    <div class="cards">
      <div class="card"><b>Desired</b><span class="mono" data-desired>${s.desiredCount}</span></div>
      <div class="card"><b>Pending</b><span class="mono" data-pending>${s.pendingCount}</span></div>
      <div class="card"><b>Running</b><span class="mono" data-running>${s.runningCount}</span></div>
      <div class="card"><b>Task definition</b>${link(R('ecs', 'taskdef', revOf(s.taskDefinition).split(':')[0]), revOf(s.taskDefinition))}</div>
    </div>
    <div class="actions">
      <button type="button" data-action="desired" data-cluster="${esc(cluster)}" data-service="${esc(name)}" data-count="${s.desiredCount}">Set desired count…</button>
      <button type="button" data-action="redeploy" data-cluster="${esc(cluster)}" data-service="${esc(name)}">Force new deployment</button>
    </div>
    <h2>Deployments</h2>
    ${table([
      { title: 'Deployment', html: (d) => `<span class="mono">${esc(d.id)}</span>` },
      { title: 'Status', html: (d) => badge(d.status) },
      { title: 'Task definition', html: (d) => esc(revOf(d.taskDefinition)) },
      { title: 'Desired', num: 1, html: (d) => d.desiredCount },
      { title: 'Pending', num: 1, html: (d) => d.pendingCount },
      { title: 'Running', num: 1, html: (d) => d.runningCount },
      { title: 'Failed', num: 1, html: (d) => d.failedTasks },
      { title: 'Rollout', html: (d) => `${badge(d.rolloutState)} <span class="muted">${esc(d.rolloutStateReason)}</span>` },
      { title: 'Updated', html: (d) => when(d.updatedAt) },
    ], s.deployments || [])}
    <h2>Tasks</h2>${taskRows(cluster, tasks)}
    <h2>Events</h2>
    ${table([{ title: 'Time', html: (e) => when(e.createdAt) }, { title: 'Message', html: (e) => esc(e.message) }], (s.events || []).slice(0, 15), 'No events.')}`;
}

async function ecsTask(cluster, id) {
  const t = ((await ecs('DescribeTasks', { cluster, tasks: [id] })).tasks || [])[0];
  if (!t) return `<p class="error">No task ${esc(id)}.</p>`;
  const net = eniOf(t);
  const pull = ['PROVISIONING', 'PENDING'].includes(t.lastStatus) ? await pullOf(t.taskArn) : null;
  let td = null;
  try { td = (await ecs('DescribeTaskDefinition', { taskDefinition: t.taskDefinitionArn })).taskDefinition; } catch (e) { /* deregistered and gone */ }
  const streams = [];
  for (const cd of td?.containerDefinitions || []) {
    const o = cd.logConfiguration?.logDriver === 'awslogs' ? cd.logConfiguration.options || {} : null;
    if (o && o['awslogs-stream-prefix']) streams.push({ group: o['awslogs-group'], stream: `${o['awslogs-stream-prefix']}/${cd.name}/${id}`, container: cd.name });
  }
  const groups = [...new Set(streams.map((s) => s.group))];
  const tailAll = groups.length === 1 ? `#/logs/${enc(state.region)}/tail?group=${enc(groups[0])}&streams=${enc(streams.map((s) => s.stream).join(','))}` : '';
  const history = [['created', t.createdAt], ['pull started', t.pullStartedAt], ['pull stopped', t.pullStoppedAt], ['connectivity', t.connectivityAt],
    ['started', t.startedAt], ['stopping', t.stoppingAt], ['execution stopped', t.executionStoppedAt], ['stopped', t.stoppedAt]].filter(([, v]) => v);
  return `${crumbs(link(R('ecs'), 'ECS'), link(R('ecs', 'cluster', cluster), cluster), t.group?.startsWith('service:') ? link(R('ecs', 'cluster', cluster, 'service', t.group.slice(8)), t.group.slice(8)) : esc(t.group), esc(id))}
    <h1>Task <span class="mono">${esc(id)}</span> <span id="task-status">${badge(t.lastStatus)}</span>${pull ? ' ' + pullHtml(pull) : ''}</h1>
    <div class="actions">${t.lastStatus !== 'STOPPED' && t.desiredStatus !== 'STOPPED' ? `<button type="button" class="danger" data-action="stop" data-cluster="${esc(cluster)}" data-task="${esc(id)}">Stop task…</button>` : ''}
      ${tailAll ? `<a href="${esc(tailAll)}">Live logs of its containers</a>` : ''}</div>
    <div class="cards">
      <div class="card"><b>Task</b>${kv([['desired', `<span id="task-desired">${esc(t.desiredStatus)}</span>`], ['health', badge(t.healthStatus)], ['launch type', esc(t.launchType)], ['cpu / memory', esc(`${t.cpu} / ${t.memory}`)],
        ['task definition', link(R('ecs', 'taskdef', revOf(t.taskDefinitionArn).split(':')[0]) + `?a=${enc(revOf(t.taskDefinitionArn).split(':')[1])}`, revOf(t.taskDefinitionArn))], ['group', esc(t.group)],
        t.stopCode && ['stop code', `<span class="s-bad">${esc(t.stopCode)}</span>`], t.stoppedReason && ['stopped reason', esc(t.stoppedReason)]])}</div>
      <div class="card"><b>Network</b>${kv([['address', `<span class="mono" id="task-ip">${esc(net.ip)}</span>`], ['ENI', `<span class="mono">${esc(net.eni)}</span>`], ['MAC', `<span class="mono">${esc(net.mac)}</span>`], ['subnet', `<span class="mono">${esc(net.subnet)}</span>`], ['zone', esc(t.availabilityZone)]])}</div>
      <div class="card"><b>Status history</b>${kv(history.map(([k, v]) => [k, when(v)]))}</div>
    </div>
    <h2>Containers</h2>
    ${table([
      { title: 'Container', html: (c) => esc(c.name) },
      { title: 'Status', html: (c) => badge(c.lastStatus) },
      { title: 'Exit code', num: 1, html: (c) => esc(c.exitCode) },
      { title: 'Health', html: (c) => badge(c.healthStatus) },
      { title: 'Reason', html: (c) => esc(c.reason) },
      { title: 'Image', html: (c) => `<span class="mono">${esc(c.image)}</span>` },
      { title: 'Logs', html: (c) => { const s = streams.find((x) => x.container === c.name); return s ? link(`#/logs/${enc(state.region)}/tail?group=${enc(s.group)}&streams=${enc(s.stream)}`, 'live tail') : ''; } },
      { title: 'ECS Exec', html: (c) => (t.lastStatus !== 'RUNNING' || c.lastStatus !== 'RUNNING' ? ''
        : t.enableExecuteCommand ? `<button type="button" data-action="exec" data-cluster="${esc(cluster)}" data-task="${esc(id)}" data-container="${esc(c.name)}">Open shell…</button>`
          : '<span class="muted">not enabled</span>') },
    ], t.containers || [])}`;
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}
// Line diff (longest common subsequence): [' '|'+'|'-', line].
function diffLines(a, b) {
  const n = a.length, m = b.length, L = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out = []; let i = 0, j = 0;
  while (i < n && j < m) { if (a[i] === b[j]) { out.push([' ', a[i]]); i++; j++; } else if (L[i + 1][j] >= L[i][j + 1]) out.push(['-', a[i++]]); else out.push(['+', b[j++]]); }
  while (i < n) out.push(['-', a[i++]]);
  while (j < m) out.push(['+', b[j++]]);
  return out;
}
async function ecsTaskdef(family, q) {
  const arns = await all((b) => ecs('ListTaskDefinitions', b), 'taskDefinitionArns', 'nextToken', 'nextToken', { familyPrefix: family, sort: 'DESC' });
  const revs = arns.filter((a) => revOf(a).split(':')[0] === family).map((a) => Number(revOf(a).split(':')[1]));
  const a = Number(q.get('a')) || revs[1] || revs[0], b = Number(q.get('b')) || revs[0];
  const show = async (r) => sortKeys((await ecs('DescribeTaskDefinition', { taskDefinition: `${family}:${r}` })).taskDefinition);
  let body = '';
  if (a && b && a !== b) {
    const strip = (d) => { const x = { ...d }; delete x.revision; delete x.taskDefinitionArn; delete x.registeredAt; delete x.deregisteredAt; return x; };
    const [da, db] = await Promise.all([show(a), show(b)]);
    const lines = diffLines(JSON.stringify(strip(da), null, 2).split('\n'), JSON.stringify(strip(db), null, 2).split('\n'));
    const changed = lines.some(([k]) => k !== ' ');
    body = `<h2>Revision ${a} → ${b}</h2><pre class="diff" aria-label="diff">${changed ? lines.map(([k, l]) => `<span class="${k === '+' ? 'add' : k === '-' ? 'del' : ''}">${k} ${esc(l)}</span>`).join('\n') : 'No differences.'}</pre>`;
  } else if (a) {
    body = `<h2>Revision ${a}</h2><pre>${esc(JSON.stringify(await show(a), null, 2))}</pre>`;
  }
  const opts = (sel) => revs.map((r) => `<option value="${r}"${r === sel ? ' selected' : ''}>${r}</option>`).join('');
  return `${crumbs(link(R('ecs'), 'ECS'), 'task definitions', esc(family))}<h1>Task definition ${esc(family)}</h1>
    ${table([{ title: 'Revision', html: (r) => link(R('ecs', 'taskdef', family) + `?a=${r}`, `${family}:${r}`) }, { title: 'Compare', html: (r) => r !== revs[0] ? link(R('ecs', 'taskdef', family) + `?a=${r}&b=${revs[0]}`, `diff with ${revs[0]}`) : '' }], revs, 'No revisions.')}
    <form class="inline" data-form="diff" data-family="${esc(family)}"><label>From <select name="a">${opts(a)}</select></label><label>to <select name="b">${opts(b)}</select></label><button>Compare</button></form>
    ${body}`;
}

// ---- Logs ------------------------------------------------------------------

async function logsGroups() {
  const groups = await all((b) => logs('DescribeLogGroups', b), 'logGroups');
  return `<h1>Log groups <span class="muted">${esc(state.region)}</span></h1>
    ${table([
      { title: 'Log group', html: (g) => link(R('logs', 'group', g.logGroupName), g.logGroupName) },
      { title: 'Stored', num: 1, html: (g) => esc(bytes(g.storedBytes)) },
      { title: 'Retention (days)', num: 1, html: (g) => esc(g.retentionInDays ?? 'never expire') },
      { title: 'Created', html: (g) => when(g.creationTime) },
    ], groups, 'No log groups in this region.')}`;
}
async function logsGroup(group) {
  const streams = (await logs('DescribeLogStreams', { logGroupName: group, orderBy: 'LastEventTime', descending: true, limit: 50 })).logStreams || [];
  return `${crumbs(link(R('logs'), 'Logs'), esc(group))}<h1>Log group ${esc(group)}</h1>
    ${table([
      { title: 'Stream', html: (s) => link(`#/logs/${enc(state.region)}/tail?group=${enc(group)}&streams=${enc(s.logStreamName)}`, s.logStreamName) },
      { title: 'Last event', html: (s) => when(s.lastEventTimestamp) },
      { title: 'Created', html: (s) => when(s.creationTime) },
    ], streams, 'No streams.')}`;
}
async function logsTail(q) {
  const group = q.get('group') || '', streams = (q.get('streams') || '').split(',').filter(Boolean), filter = q.get('filter') || '';
  let events = [];
  if (!filter && streams.length === 1) {
    events = (await logs('GetLogEvents', { logGroupName: group, logStreamName: streams[0], startFromHead: false, limit: 500 })).events || [];
  } else {
    let token; let pages = 0;
    do {
      const r = await logs('FilterLogEvents', { logGroupName: group, ...(streams.length ? { logStreamNames: streams } : {}), ...(filter ? { filterPattern: filter } : {}), ...(token ? { nextToken: token } : {}) });
      events = events.concat(r.events || []); token = r.nextToken;
    } while (token && ++pages < 20);
    events = events.slice(-500);
  }
  const multi = streams.length !== 1;
  const lines = events.map((e) => `<span class="t">${esc(new Date(e.timestamp).toISOString().slice(11, 23))}</span> ${multi ? `<span class="t">${esc(String(e.logStreamName || '').split('/').slice(-2, -1)[0] || e.logStreamName)}</span> ` : ''}${esc(String(e.message).replace(/\n$/, ''))}`);
  return `${crumbs(link(R('logs'), 'Logs'), link(R('logs', 'group', group), group), esc(streams.join(', ') || 'all streams'))}
    <h1>Live tail</h1>
    <form class="inline" data-form="filter"><label>Filter pattern <input name="filter" value="${esc(filter)}" placeholder='e.g. ERROR or "Hello World"' size="40"></label><button>Apply</button>
      <span class="muted">${esc(events.length)} lines, following new ones</span></form>
    <pre class="log" id="log" tabindex="0" aria-label="log lines">${lines.join('\n') || '<span class="muted">No events yet.</span>'}</pre>`;
}

// ---- Load balancers -------------------------------------------------------

async function elbAll() {
  const lbs = list((await elb('DescribeLoadBalancers')).LoadBalancers);
  const tgs = list((await elb('DescribeTargetGroups')).TargetGroups);
  return `<h1>Load balancers <span class="muted">${esc(state.region)}</span></h1>
    ${table([
      { title: 'Name', html: (l) => link(R('elb', 'lb', l.LoadBalancerArn), l.LoadBalancerName) },
      { title: 'Type', html: (l) => esc(l.Type) },
      { title: 'State', html: (l) => badge(l.State?.Code) },
      { title: 'DNS name', html: (l) => `<span class="mono">${esc(l.DNSName)}</span>` },
      { title: 'Scheme', html: (l) => esc(l.Scheme) },
    ], lbs, 'No load balancers in this region.')}
    <h2>Target groups</h2>${await targetGroups(tgs)}`;
}
async function targetGroups(tgs) {
  let out = '';
  for (const tg of tgs) {
    const health = list((await elb('DescribeTargetHealth', { TargetGroupArn: tg.TargetGroupArn })).TargetHealthDescriptions);
    out += `<h3>${esc(tg.TargetGroupName)} <span class="muted">${esc(tg.Protocol)}:${esc(tg.Port)} · ${esc(tg.TargetType)} · health check ${esc(tg.HealthCheckProtocol)} ${esc(tg.HealthCheckPath || '')}</span></h3>
      ${table([
        { title: 'Target', html: (h) => `<span class="mono">${esc(h.Target?.Id)}</span>` },
        { title: 'Port', num: 1, html: (h) => esc(h.Target?.Port) },
        { title: 'Zone', html: (h) => esc(h.Target?.AvailabilityZone) },
        { title: 'State', html: (h) => badge(h.TargetHealth?.State) },
        { title: 'Reason', html: (h) => esc(h.TargetHealth?.Reason) },
        { title: 'Description', html: (h) => esc(h.TargetHealth?.Description) },
      ], health, 'No registered targets.')}`;
  }
  return out || '<p class="muted">No target groups.</p>';
}
async function elbLoadBalancer(arn) {
  const lb = list((await elb('DescribeLoadBalancers', { 'LoadBalancerArns.member.1': arn })).LoadBalancers)[0];
  if (!lb) return `<p class="error">No load balancer ${esc(arn)}.</p>`;
  const listeners = list((await elb('DescribeListeners', { LoadBalancerArn: arn })).Listeners);
  let rules = '';
  for (const l of listeners) {
    const rs = list((await elb('DescribeRules', { ListenerArn: l.ListenerArn })).Rules);
    rules += `<h3>Listener ${esc(l.Protocol)}:${esc(l.Port)}</h3>${table([
      { title: 'Priority', html: (r) => esc(r.Priority) },
      { title: 'Conditions', html: (r) => list(r.Conditions).map((c) => `${esc(c.Field)} ${esc(list(c.Values).join(', '))}`).join('<br>') || '<span class="muted">default</span>' },
      { title: 'Actions', html: (r) => list(r.Actions).map((a) => `${esc(a.Type)} ${esc(nameOfArn(a.TargetGroupArn || '').split('/')[1] || '')}`).join('<br>') },
    ], rs, 'No rules.')}`;
  }
  const tgs = list((await elb('DescribeTargetGroups', { LoadBalancerArn: arn })).TargetGroups);
  return `${crumbs(link(R('elb'), 'Load balancers'), esc(lb.LoadBalancerName))}<h1>${esc(lb.LoadBalancerName)} ${badge(lb.State?.Code)}</h1>
    <div class="card">${kv([['type', esc(lb.Type)], ['scheme', esc(lb.Scheme)], ['DNS name', `<span class="mono">${esc(lb.DNSName)}</span>`], ['VPC', `<span class="mono">${esc(lb.VpcId)}</span>`], ['created', when(lb.CreatedTime)]])}</div>
    <h2>Listeners and rules</h2>${rules || '<p class="muted">No listeners.</p>'}
    <h2>Target groups</h2>${await targetGroups(tgs)}`;
}

// ---- S3 --------------------------------------------------------------------

const s3path = (bucket, key = '') => '/' + enc(bucket) + (key ? '/' + key.split('/').map(enc).join('/') : '');
async function s3Buckets() {
  const r = await s3('/');
  const buckets = list(r.Buckets?.Bucket);
  return `<h1>S3 buckets</h1>${table([
    { title: 'Bucket', html: (b) => link('#/s3/' + enc(b.Name), b.Name) },
    { title: 'Created', html: (b) => when(b.CreationDate) },
  ], buckets, 'No buckets.')}`;
}
async function s3Bucket(bucket, prefix, q) {
  const r = await s3(s3path(bucket), `versions&delimiter=%2F&prefix=${enc(prefix)}`);
  const prefixes = list(r.CommonPrefixes).map((p) => p.Prefix);
  const versions = [...list(r.Version).map((v) => ({ ...v, marker: false })), ...list(r.DeleteMarker).map((v) => ({ ...v, marker: true }))];
  versions.sort((x, y) => x.Key.localeCompare(y.Key) || (y.IsLatest === 'true') - (x.IsLatest === 'true') || String(y.LastModified).localeCompare(String(x.LastModified)));
  const up = prefix.replace(/[^/]*\/$/, '');
  const crumbParts = prefix.split('/').filter(Boolean);
  return `${crumbs(link('#/s3', 'S3'), link('#/s3/' + enc(bucket), bucket), ...crumbParts.map((p, i) => link('#/s3/' + enc(bucket) + '/' + crumbParts.slice(0, i + 1).map(enc).join('/') + '/', p)))}
    <h1>${esc(bucket)}${prefix ? ` <span class="muted">/${esc(prefix)}</span>` : ''}</h1>
    ${prefix ? `<p>${link('#/s3/' + enc(bucket) + (up ? '/' + up.split('/').filter(Boolean).map(enc).join('/') + '/' : ''), '↑ up')}</p>` : ''}
    ${prefixes.length ? `<h2>Prefixes</h2>${table([{ title: 'Prefix', html: (p) => link('#/s3/' + enc(bucket) + '/' + p.split('/').filter(Boolean).map(enc).join('/') + '/', p.slice(prefix.length)) }], prefixes)}` : ''}
    <h2>Objects and versions</h2>
    ${table([
      { title: 'Key', html: (v) => esc(v.Key.slice(prefix.length)) },
      { title: 'Version', html: (v) => `<span class="mono">${esc(v.VersionId)}</span>${v.IsLatest === 'true' ? ' ' + badge('latest') : ''}` },
      { title: 'Size', num: 1, html: (v) => (v.marker ? '<span class="muted">delete marker</span>' : esc(bytes(Number(v.Size)))) },
      { title: 'Modified', html: (v) => when(v.LastModified) },
      { title: '', html: (v) => (v.marker ? '' : `<button type="button" data-action="download" data-bucket="${esc(bucket)}" data-key="${esc(v.Key)}" data-version="${esc(v.VersionId)}">Download</button>`) },
    ], versions, 'No objects here.')}`;
}

// ---- actions (each confirmed, each sent with the console's token) ----------

async function act(btn) {
  const d = btn.dataset;
  try {
    if (d.action === 'stop') {
      if (!confirm(`Stop task ${d.task}?`)) return;
      await ecs('StopTask', { cluster: d.cluster, task: d.task, reason: "Stopped from fargo's console" });
    } else if (d.action === 'desired') {
      const v = prompt(`Desired count of ${d.service}:`, d.count);
      if (v == null) return;
      if (!/^\d+$/.test(v.trim())) throw new Error(`not a count: ${v}`);
      if (!confirm(`Set the desired count of ${d.service} to ${v.trim()}?`)) return;
      await ecs('UpdateService', { cluster: d.cluster, service: d.service, desiredCount: Number(v.trim()) });
    } else if (d.action === 'redeploy') {
      if (!confirm(`Start a new deployment of ${d.service}?`)) return;
      await ecs('UpdateService', { cluster: d.cluster, service: d.service, forceNewDeployment: true });
    } else if (d.action === 'exec') {
      if (!confirm(`Open a shell (/bin/sh) in container ${d.container} of task ${d.task}? What you type runs there.`)) return;
      const region = state.region;
      const r = await ecs('ExecuteCommand', { cluster: d.cluster, task: d.task, container: d.container, interactive: true, command: '/bin/sh' });
      await window.fargoExec.open({ session: r.session, title: `${d.container} · ${d.task}`, token: TOKEN,
        terminate: (sessionId) => json11('ssm', 'TerminateSession', { SessionId: sessionId }, region) });
      return;
    } else if (d.action === 'download') {
      const resp = await fetch(s3path(d.bucket, d.key) + (d.version && d.version !== 'null' ? `?versionId=${enc(d.version)}` : ''), { headers: headers('us-east-1', 's3') });
      if (!resp.ok) throw await failure(resp);
      const url = URL.createObjectURL(await resp.blob());
      const a = document.createElement('a');
      a.href = url; a.download = d.key.split('/').pop(); document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      return;
    }
    render(false);
  } catch (e) {
    alert(`Failed: ${e.message}`);
  }
}

// ---- rendering and the live feed -------------------------------------------

async function render(initial) {
  const gen = ++state.gen;
  const route = parseRoute();
  const section = route.parts[0] || 'overview';
  const view = views[section] || views.overview;
  if (['ecs', 'logs', 'elb'].includes(section)) {
    if (route.parts[1] && route.parts[1] !== state.region) setRegion(route.parts[1]);
    if (!route.parts[1]) { location.replace(R(section)); return; }
  }
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const main = $('#main');
  let html;
  try { html = await view(route); } catch (e) { html = `<p class="error">${esc(e.message)}</p>`; }
  if (gen !== state.gen) return;  // a newer render is under way
  // A pull's progress changes nothing stored (no change event comes): the
  // page asks again each second while it shows one.
  if (html.includes('id="task-pull"') && !state.pullTimer) {
    state.pullTimer = setTimeout(() => { state.pullTimer = null; render(false); }, 1000);
  }
  if (html === main.dataset.html) return;
  const log = $('#log');
  const follow = !log || log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
  const active = document.activeElement;
  const focusName = active && active.name && main.contains(active) ? active.name : null;
  const scroll = window.scrollY;
  main.innerHTML = html;
  main.dataset.html = html;
  document.title = `${(main.querySelector('h1')?.textContent || 'fargo').trim()} · fargo console`;
  const newLog = $('#log');
  if (newLog && follow) newLog.scrollTop = newLog.scrollHeight;
  if (initial) { window.scrollTo(0, 0); main.focus({ preventScroll: true }); } else {
    window.scrollTo(0, scroll);
    if (focusName) main.querySelector(`[name="${focusName}"]`)?.focus();
  }
}

function setRegion(r) {
  state.region = r;
  localStorage.setItem('fargo.region', r);
  const sel = $('#region');
  if (![...sel.options].some((o) => o.value === r)) sel.append(new Option(r, r));
  sel.value = r;
}

function listen() {
  const live = $('#live');
  const es = new EventSource(`/_fargo/console/events?token=${enc(TOKEN)}`);
  es.addEventListener('change', () => { live.className = 'live on'; live.textContent = 'live'; render(false); });
  es.addEventListener('ping', () => { live.className = 'live on'; live.textContent = 'live'; });
  // The feed answers one event per request; EventSource reconnects (retry: 50 ms).
  es.addEventListener('error', () => { if (es.readyState === EventSource.CLOSED) { live.className = 'live off'; live.textContent = 'offline'; setTimeout(listen, 2000); } });
}

document.addEventListener('click', (e) => { const b = e.target.closest('button[data-action]'); if (b) act(b); });
document.addEventListener('submit', (e) => {
  const f = e.target; e.preventDefault();
  const route = parseRoute();
  if (f.dataset.form === 'filter') { route.query.set('filter', f.filter.value); go('#/' + route.parts.map(enc).join('/') + '?' + route.query); }
  if (f.dataset.form === 'diff') go(R('ecs', 'taskdef', f.dataset.family) + `?a=${enc(f.a.value)}&b=${enc(f.b.value)}`);
});
window.addEventListener('hashchange', () => { $('#main').dataset.html = ''; render(true); });

(async function start() {
  const sel = $('#region');
  sel.addEventListener('change', () => {
    setRegion(sel.value);
    const p = parseRoute();
    if (['ecs', 'logs', 'elb'].includes(p.parts[0])) go(R(p.parts[0])); else render(false);
  });
  try {
    const st = await fargoStatus();
    state.regions = Object.keys(st.Regions || {}).filter((r) => r !== 'global');
  } catch (e) { /* shown by the overview */ }
  for (const r of [...new Set([...state.regions, 'us-east-1', state.region].filter(Boolean))].sort()) sel.append(new Option(r, r));
  setRegion(parseRoute().parts[1] && ['ecs', 'logs', 'elb'].includes(parseRoute().parts[0]) ? parseRoute().parts[1] : state.region || state.regions[0] || 'us-east-1');
  await render(true);
  listen();
})();
