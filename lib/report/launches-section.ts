import { barChart } from './bar-chart';
import { EVIDENCE, SECTION_TITLES } from './control-map';
import { h3, para, section, tableOrNone, type Html } from './html';
import type { ReportData } from './types';

export function renderLaunches(d: ReportData): Html {
  const launches = d.queries['launch-signing'] ?? [];
  const signed = launches.filter((r) => r.signing === 'signed').length;
  const unsigned = launches.length - signed;
  return section('launches', SECTION_TITLES.launches, EVIDENCE.launches, [
    para(
      'A launch is an instance or container task started from an image. An image is signed when the archive holds an attestation for it: a signature made by the build pipeline’s key when it produced the image. ' +
        `${launches.length} launch(es) in the period: ${signed} signed, ${unsigned} unsigned.`,
    ),
    barChart({
      id: 'launch-signing',
      title: 'Launches by signing',
      description: `${signed} launch(es) of signed images and ${unsigned} of unsigned images.`,
      labelHeader: 'Signing',
      valueHeader: 'Launches',
      points: launches.length
        ? [
            { label: 'signed', value: signed },
            { label: 'unsigned', value: unsigned, warn: unsigned > 0 },
          ]
        : [],
      warnText: 'unsigned images ran',
    }),
    tableOrNone(
      launches,
      [
        { key: 'launched_at', header: 'Launched (UTC)' },
        { key: 'ran_type', header: 'What ran' },
        { key: 'ran_id', header: 'Instance or task' },
        { key: 'image', header: 'Image or AMI' },
        { key: 'signing', header: 'Signed?' },
      ],
      'Nothing was launched in this period.',
      'Launches (query: launch-signing)',
    ),
    h3('Unsigned-launch alerts'),
    tableOrNone(
      d.queries['unsigned-launches'] ?? [],
      [
        { key: 'alert_event_time', header: 'When (UTC)' },
        { key: 'alert_severity', header: 'Severity' },
        { key: 'alert_resource', header: 'Resource' },
        { key: 'alert_summary', header: 'What' },
        { key: 'alert_id', header: 'Record id (alert)' },
      ],
      'No unsigned-launch alert was raised in this period.',
      'Unsigned-launch alerts (query: unsigned-launches)',
    ),
  ]);
}
