/** The studies list a person searches: by id, patient or report text, by split, with extraction status. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveExtraction, saveFailure } from '../../../src/main/store/repositories/extraction-repository';
import {
  insertDataset,
  insertStudyWithReport,
  listStudies,
} from '../../../src/main/store/repositories/study-repository';
import { createProject } from '../../../src/main/store/project-store';
import { extractWithRules } from '../../../src/main/text/extraction/rule-extractor';
import { sentenceDrafts } from '../../../src/main/text/extraction/sentence-drafts';
import { tempDir } from '../../helpers/temp-dir';

describe('the studies list', () => {
  it('searches ids, patients and reports literally, filters by split, and says where extraction stands', () => {
    const project = createProject(path.join(tempDir(), 'p'), { name: 'p', createdBy: 'test' });
    try {
      const datasetId = insertDataset(project.db, 'd', 'test');
      const add = (studyUid: string, patientId: string, split: 'train' | 'val' | 'test', reportText: string) =>
        insertStudyWithReport(project.db, {
          datasetId,
          studyUid,
          patientId,
          split,
          imagePath: `${studyUid}.nii.gz`,
          imageSha256: null,
          labels: {},
          reportText,
        });
      const liver = add('CT-001', 'P-7', 'train', 'FINDINGS: 3 cm liver mass. IMPRESSION: HCC.');
      add('CT-002', 'P-8', 'val', 'FINDINGS: Normal liver. 100% patent portal vein.');
      const failed = add('CT_003', 'P-9', 'test', 'FINDINGS: Renal cyst.');

      const list = (search: string | null, split: 'train' | 'val' | 'test' | null = null) =>
        listStudies(project.db, { limit: 50, offset: 0, search, split }).studies.map((study) => study.studyUid);
      expect(list(null)).toEqual(['CT-001', 'CT-002', 'CT_003']);
      expect(list('liver')).toEqual(['CT-001', 'CT-002']);
      expect(list('LIVER', 'val')).toEqual(['CT-002']);
      expect(list('p-9')).toEqual(['CT_003']);
      expect(list('100%')).toEqual(['CT-002']); // % is a character here, not a wildcard
      expect(list('T_0')).toEqual(['CT_003']); // and so is _
      expect(listStudies(project.db, { limit: 1, offset: 1, search: 'liver', split: null })).toMatchObject({
        total: 2,
        studies: [{ studyUid: 'CT-002' }],
      });

      const report = 'FINDINGS: 3 cm liver mass. IMPRESSION: HCC.';
      const reportId = (id: number) =>
        (project.db.prepare('SELECT id FROM reports WHERE study_id = ?').get(id) as { id: number }).id;
      const extracted = extractWithRules(report);
      extracted.sections.findings += '\nInvented sentence here.';
      const key = {
        reportId: reportId(liver),
        reportSha256: 'x',
        engine: 'ollama' as const,
        model: 'qwen3:8b',
        promptVersion: 'v',
      };
      saveExtraction(project.db, key, extracted, 2, sentenceDrafts(report, extracted));
      saveFailure(
        project.db,
        { ...key, reportId: reportId(failed) },
        { code: 'EXTRACTION_INVALID', kind: 'user', message: 'bad' },
        3,
      );
      expect(
        listStudies(project.db, { limit: 50, offset: 0, search: null, split: null }).studies.map((s) => [
          s.studyUid,
          s.extraction,
          s.needsReview,
        ]),
      ).toEqual([
        ['CT-001', 'extracted', 1],
        ['CT-002', 'none', 0],
        ['CT_003', 'failed', 0],
      ]);
    } finally {
      project.close();
    }
  });
});
