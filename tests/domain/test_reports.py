from io import BytesIO

from pypdf import PdfReader

from marketplace.domain.deliver import evaluations, reports
from marketplace.extensions import db
from marketplace.models import Party, ReportTemplate
from tests.domain.test_evaluations import in_evaluation, score


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def evaluated():
    project, officer, winner, secretary = in_evaluation()
    evaluations.assign(officer, project, [(secretary, Party.party)])
    score(secretary, project, 88)
    evaluations.finalize(officer, project)
    return project


def test_closing_report_pdf_has_the_name_the_total_and_the_chain_head(app):
    project = evaluated()
    data = reports.closing_report(project)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert project.title in text and project.code in text and "88.00" in text
    assert "良好" in text  # the grade, in Chinese (the CJK font is embedded)
    assert reports.closing_report(project) == data  # cached until the chain moves


def test_the_district_customises_title_and_sections_per_category(app):
    project = evaluated()
    db.session.add(ReportTemplate(category_id=project.category_id, title="为老服务项目结项报告",
                                  sections="evaluation,trail", logo_text="李沧区民政局"))
    db.session.flush()
    text = pdf_text(reports._build(project))
    assert "为老服务项目结项报告" in text and "李沧区民政局" in text
    assert "88.00" in text and project.needs[0].code not in text  # only the chosen sections


def test_survey_sheet_has_one_qr_code_per_household(app):
    project, _officer, _winner, secretary = in_evaluation()
    codes = evaluations.issue_codes(secretary, project, 14)
    data = reports.survey_sheet(project, codes, "http://example.org")
    reader = PdfReader(BytesIO(data))
    assert len(reader.pages) == 2
    assert codes[0].code in reader.pages[0].extract_text() and codes[13].code in reader.pages[1].extract_text()


def test_every_page_has_the_district_header_and_its_number_and_the_report_ends_with_signatures(app):
    project = evaluated()
    pages = [page.extract_text() for page in PdfReader(BytesIO(reports._build(project))).pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} 页，共 {len(pages)} 页" in text
        assert "青岛市李沧区" in text and project.code in text
    last = pages[-1]
    assert "签字盖章" in last and "承接组织" in last and "区民政局" in last and project.street.name in last


def test_a_photo_whose_file_is_gone_is_named_in_the_report_instead_of_failing_it(app):
    from marketplace.domain.deliver import delivery
    from marketplace.models import ProgressPhoto

    project = evaluated()
    reports_ = [r for m in delivery.milestones(project) for r in m.reports]
    assert reports_, "the evaluated project has progress reports"
    reports_[0].photos.append(ProgressPhoto(stored_name="lost-photo.jpg", thumb_name="lost-thumb.jpg",
                                            content_type="image/jpeg"))
    db.session.flush()
    text = pdf_text(reports._build(project))
    assert "lost-thumb.jpg" in text and project.code in text
