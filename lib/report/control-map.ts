import { esc } from './escape';
import { section, type Html } from './html';

/**
 * The controls a report is evidence for, and which section is evidence for
 * which. The wording is always "evidence for": a report shows what the
 * archive holds; whether a control is met is the auditor's judgement.
 */
export interface Control {
  id: string;
  framework: string;
  asks: string;
}

export const CONTROLS: readonly Control[] = [
  {
    id: 'SOC 2 CC7.2',
    framework: 'SOC 2 (2017 Trust Services Criteria)',
    asks: 'System components are monitored for anomalies that indicate malicious acts, errors or failures.',
  },
  { id: 'SOC 2 CC7.3', framework: 'SOC 2 (2017 Trust Services Criteria)', asks: 'Security events are evaluated to decide whether they are incidents.' },
  {
    id: 'SOC 2 CC8.1',
    framework: 'SOC 2 (2017 Trust Services Criteria)',
    asks: 'Changes to infrastructure and software are authorized, tested, approved and implemented through a controlled process.',
  },
  { id: 'PCI DSS v4 10.2', framework: 'PCI DSS v4.0', asks: 'Audit logs are implemented to support the detection of anomalies and suspicious activity.' },
  { id: 'PCI DSS v4 10.3', framework: 'PCI DSS v4.0', asks: 'Audit logs are protected from destruction and unauthorized modification.' },
  { id: 'PCI DSS v4 10.5', framework: 'PCI DSS v4.0', asks: 'Audit log history is retained and available for analysis.' },
  { id: 'PCI DSS v4 10.7', framework: 'PCI DSS v4.0', asks: 'Failures of critical security control systems are detected, reported and responded to promptly.' },
  {
    id: 'ISO/IEC 27001:2022 A.8.15',
    framework: 'ISO/IEC 27001:2022 Annex A',
    asks: 'Logging: logs of activities and events are produced, stored, protected and analysed.',
  },
  {
    id: 'ISO/IEC 27001:2022 A.8.16',
    framework: 'ISO/IEC 27001:2022 Annex A',
    asks: 'Monitoring activities: networks, systems and applications are monitored for anomalous behaviour.',
  },
  {
    id: 'ISO/IEC 27001:2022 A.8.32',
    framework: 'ISO/IEC 27001:2022 Annex A',
    asks: 'Change management: changes to information processing facilities follow change management procedures.',
  },
  {
    id: 'HIPAA 164.312(b)',
    framework: 'HIPAA Security Rule',
    asks: 'Audit controls: activity in systems that hold electronic protected health information is recorded and examined.',
  },
  {
    id: 'HIPAA 164.312(c)',
    framework: 'HIPAA Security Rule',
    asks: 'Integrity: electronic protected health information is protected from improper alteration or destruction.',
  },
];

export type SectionId = 'scope' | 'integrity' | 'completeness' | 'changes' | 'launches' | 'tampering' | 'alerts';

export const SECTION_TITLES: Record<SectionId, string> = {
  scope: 'Scope',
  integrity: 'Integrity: the log is unaltered',
  completeness: 'Completeness: nothing is missing',
  changes: 'Change management',
  launches: 'Launches: signed and unsigned images',
  tampering: 'Attempts to tamper with the audit trail',
  alerts: 'Alerts over time',
};

export const EVIDENCE: Record<SectionId, readonly string[]> = {
  scope: ['PCI DSS v4 10.2', 'ISO/IEC 27001:2022 A.8.15', 'HIPAA 164.312(b)'],
  integrity: ['PCI DSS v4 10.3', 'PCI DSS v4 10.5', 'ISO/IEC 27001:2022 A.8.15', 'HIPAA 164.312(c)'],
  completeness: ['SOC 2 CC7.2', 'PCI DSS v4 10.2', 'PCI DSS v4 10.7', 'ISO/IEC 27001:2022 A.8.15', 'HIPAA 164.312(b)'],
  changes: ['SOC 2 CC8.1', 'ISO/IEC 27001:2022 A.8.32'],
  launches: ['SOC 2 CC8.1', 'ISO/IEC 27001:2022 A.8.32', 'SOC 2 CC7.2'],
  tampering: ['SOC 2 CC7.2', 'SOC 2 CC7.3', 'PCI DSS v4 10.3', 'PCI DSS v4 10.7', 'HIPAA 164.312(c)'],
  alerts: ['SOC 2 CC7.2', 'SOC 2 CC7.3', 'ISO/IEC 27001:2022 A.8.16', 'PCI DSS v4 10.2'],
};

/** The control map: for each control, what it asks and the sections that are evidence for it. */
export function renderControlMap(): Html {
  const ids = Object.keys(EVIDENCE) as SectionId[];
  const rows = CONTROLS.map((c) => {
    const sections = ids.filter((s) => EVIDENCE[s].includes(c.id));
    const links = sections.map((s) => `<a href="#${s}">${esc(SECTION_TITLES[s])}</a>`).join(', ');
    return `<tr><th scope="row">${esc(c.id)}</th><td>${esc(c.asks)}</td><td>Evidence for ${esc(c.id)}: ${links}</td></tr>`;
  }).join('\n');
  const intro = `<p>Each section of this report is evidence for the controls below. Evidence is what the archive shows for the period; whether a control is met is for the auditor to judge, and this report makes no such claim.</p>`;
  return section(
    'controls',
    'Control map',
    [],
    [
      intro,
      `<div class="table-wrap"><table><thead><tr><th scope="col">Control</th><th scope="col">What it asks</th><th scope="col">Sections of this report</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`,
    ],
  );
}
