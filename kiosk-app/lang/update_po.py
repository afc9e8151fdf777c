#!/usr/bin/env python3
"""Writes lang/en/LC_MESSAGES/kiosk-app.po from the @tr strings of ui/*.slint and the English below.
Vietnamese is the source language. Run after changing a @tr text; tests/translations.rs checks that
every @tr string has an English translation."""
import glob, os, re

EN = {
    'Trang chủ': 'Home',
    'Giờ hiện tại': 'Current time',
    'Đổi ngôn ngữ': 'Change language',
    'Mất kết nối máy chủ': 'Server unreachable',
    'Đang tạm mất kết nối. Quý khách vẫn lấy số bình thường và được gọi theo thứ tự lấy số; tra cứu hồ sơ dùng thông tin đã lưu.':
        'Temporarily offline. You can still take a number and will be called in order; dossier lookups use saved information.',
    'Đang tạm mất kết nối. Đánh giá của quý khách vẫn được ghi nhận và gửi đi khi có kết nối.':
        'Temporarily offline. Your rating is still recorded and will be sent when the connection is back.',
    'Dấu cách': 'Space',
    'Xoá hết': 'Clear all',
    'Xoá': 'Delete',
    'Mất kết nối máy chủ. Thông tin có thể chưa cập nhật.': 'The server cannot be reached. Information may be out of date.',
    'Quầy': 'Counter',
    'Đang phục vụ': 'Now serving',
    'Quầy {}': 'Counter {}',
    'Vừa gọi': 'Just called',
    '{} → Quầy {}': '{} → Counter {}',
    'Đang chờ: {}': 'Waiting: {}',
    'Xin kính chào quý khách': 'Welcome',
    'Quý khách vui lòng chọn:': 'Please choose:',
    'Lấy số thứ tự': 'Take a queue number',
    'Chọn dịch vụ và nhận phiếu': 'Choose a service and get a ticket',
    'Tra cứu hồ sơ': 'Look up a dossier',
    'Quét mã QR trên giấy hẹn hoặc nhập mã hồ sơ': 'Scan the QR code on your appointment slip or type the dossier code',
    'Đánh giá hài lòng': 'Rate our service',
    'Góp ý về thái độ phục vụ và thời gian giải quyết': 'Tell us about staff attitude and processing time',
    'Quét mã QR trên giấy hẹn, hoặc nhập mã hồ sơ hay số thứ tự đã được phục vụ:':
        'Scan the QR code on your appointment slip, or type the dossier code:',
    'Đưa mã QR trên giấy hẹn vào máy quét, hoặc nhập mã hồ sơ:':
        'Hold the QR code of your appointment slip to the scanner, or type the dossier code:',
    'Mã hồ sơ': 'Dossier code',
    'Ví dụ: 000.00.01.H29-260310-0420': 'For example: 000.00.01.H29-260310-0420',
    'Tiếp tục': 'Continue',
    'Tra cứu': 'Look up',
    'Kết quả tra cứu hồ sơ': 'Dossier status',
    'Dữ liệu đã lưu': 'Saved data',
    'Không kết nối được máy chủ. Thông tin dưới đây là dữ liệu đã lưu lúc {}.':
        'The server cannot be reached. This is the information saved at {}.',
    'Trạng thái': 'Status',
    'Trạng thái hồ sơ': 'Dossier status',
    'Ngày tiếp nhận: {}': 'Received: {}',
    'Ngày hẹn trả: {}': 'Appointment: {}',
    'Hạn mới, đã cộng thời gian chờ bổ sung hoặc nộp phí: {}': 'New deadline, with the time waiting for documents or fees added: {}',
    'Hình thức nộp hồ sơ: {}': 'Submitted: {}',
    'Phí, lệ phí: {}': 'Fees: {}',
    'Phí, lệ phí: {} (tổng {})': 'Fees: {} (total {})',
    'Đơn vị đang xử lý: {}': 'Handled by: {}',
    'Việc cần làm tiếp theo: {}': 'What to do next: {}',
    'Quá trình xử lý': 'Processing history',
    'Xong': 'Done',
    'Lấy số thông thường': 'Regular number',
    'Ưu tiên (xin xuất trình giấy tờ khi được gọi):': 'Priority (please show proof when called):',
    'Người cao tuổi': 'Elderly person',
    'Từ đủ 60 tuổi trở lên': 'Aged 60 or over',
    'Người khuyết tật': 'Person with a disability',
    'Có giấy xác nhận khuyết tật': 'With a disability certificate',
    'Phụ nữ mang thai': 'Pregnant woman',
    'Người có công với cách mạng': 'Person with meritorious service',
    'Người đi cùng trẻ nhỏ': 'Parent with a small child',
    'Trẻ dưới 6 tuổi': 'Child under 6',
    'Quý khách có hài lòng với việc giải quyết thủ tục vừa rồi?': 'Were you satisfied with how your request was handled?',
    'Rất hài lòng': 'Very satisfied',
    'Hài lòng': 'Satisfied',
    'Không hài lòng': 'Not satisfied',
    'Câu hỏi thêm (không bắt buộc)': 'A few more questions (optional)',
    'Tốt': 'Good',
    'Bình thường': 'Fair',
    'Chưa tốt': 'Poor',
    'Viết góp ý': 'Write a comment',
    'Gửi đánh giá': 'Send rating',
    'Góp ý của quý khách': 'Your comment',
    'Góp ý': 'Comment',
    'Nhập góp ý (không dấu cũng được)': 'Type your comment',
    'Xin cảm ơn': 'Thank you',
    'Cảm ơn quý khách đã đánh giá!': 'Thank you for your rating!',
    'Thông báo': 'Notice',
    'Về trang chủ': 'Back to start',
    'Chọn dịch vụ': 'Choose a service',
    'Tìm dịch vụ': 'Search services',
    'Chạm để tìm (gõ không dấu cũng được)': 'Touch to search',
    'Không tìm thấy dịch vụ phù hợp.': 'No service matches.',
    'Kỹ thuật viên': 'Technician',
    'Nhập mã PIN:': 'Enter the PIN:',
    'Mã PIN': 'PIN',
    'In thử': 'Test print',
    'Đồng bộ ngay': 'Sync now',
    'Thoát': 'Exit',
    'Số thứ tự của quý khách': 'Your queue number',
    'Số thứ tự': 'Queue number',
    'Ưu tiên: {}': 'Priority: {}',
    'Mã QR của phiếu': 'Ticket QR code',
    'Phiếu được cấp khi mất kết nối; số của quý khách vẫn được giữ và sẽ vào hàng chờ khi có kết nối lại.':
        'Issued while the server was unreachable; your number is kept and joins the queue when the link is back.',
    'Máy in gặp sự cố': 'Printer problem',
    'Máy in đang gặp sự cố. Quý khách vui lòng ghi nhớ hoặc chụp lại số trên màn hình; nhân viên đã được báo.':
        'The printer has a problem. Please remember or photograph the number on the screen; staff have been alerted.',
    'In lại': 'Print again',
    'Dấu sắc': 'Tone mark sắc (acute)',
    'Dấu huyền': 'Tone mark huyền (grave)',
    'Dấu hỏi': 'Tone mark hỏi (hook above)',
    'Dấu ngã': 'Tone mark ngã (tilde)',
    'Dấu nặng': 'Tone mark nặng (dot below)',
    'bỏ dấu': 'no tone',
    'Bỏ dấu thanh': 'Remove the tone mark',
    'Dấu mũ: â ê ô': 'Circumflex: â ê ô',
    'Dấu trăng: ă': 'Breve: ă',
    'Dấu móc: ơ ư': 'Horn: ơ ư',
    'Chữ đ': 'Letter đ',
    'Chữ hoa': 'Capital',
    'Chữ cái': 'Letters',
    'Số và ký hiệu': 'Numbers and symbols',
    'Hôm nay': 'Today',
    'Hình ảnh từ camera': 'Camera picture',
    'Đang xử lý, xin vui lòng chờ…': 'Working, please wait…',
    'Quét thử': 'Test scan',
    'Tìm theo thủ tục': 'Find by procedure',
    'Tìm tên thủ tục, xem giấy tờ cần mang và lấy số đúng quầy':
        'Search a procedure, see the papers to bring and get the right number',
    'Tìm thủ tục': 'Search procedures',
    'Chạm để gõ tên thủ tục (không dấu cũng được)': 'Touch to type a procedure name (diacritics optional)',
    'Ghi chú': 'Note',
    'Thủ tục': 'Procedure',
    'Tên thủ tục': 'Procedure name',
    'Thời hạn giải quyết: {}': 'Time limit: {}',
    'Thời hạn giải quyết': 'Time limit',
    'Lệ phí: {}': 'Fees: {}',
    'Lệ phí': 'Fees',
    'Nộp hồ sơ tại: {}': 'Submit at: {}',
    'Giấy tờ cần mang theo:': 'Papers to bring:',
    'Dịch vụ này hiện chưa nhận số. Xin vui lòng liên hệ quầy hướng dẫn.':
        'This service is not taking numbers now. Please ask at the information desk.',
    'Quay lại': 'Back',
    'Lấy số': 'Get a number',
    'Lấy số ưu tiên': 'Priority number',
    'Người cao tuổi, người khuyết tật, phụ nữ mang thai…': 'Elderly, disabled, pregnant…',
    'Huỷ': 'Cancel',
    'Huỷ đánh giá': 'Cancel the rating',
    'Đánh giá chưa được ghi nhận': 'Your rating was not recorded',
    'Lỗi': 'Error',
    'Hướng dẫn': 'Instructions',
    'Nhắn tin nhắc lượt': 'Reminders by message',
    'Nhắn tin khi sắp đến lượt': 'Text me when my turn is near',
    'SMS hoặc Zalo đến điện thoại của quý khách': 'By SMS or Zalo to your phone',
    'Nhập số điện thoại di động: quý khách sẽ nhận tin nhắn khi số {} sắp đến lượt và khi được gọi.':
        'Enter your mobile number: you will get a message when number {} is near and when it is called.',
    'Số điện thoại': 'Phone number',
    'Số điện thoại chỉ dùng để nhắn tin về số thứ tự này trong hôm nay và được xoá khi hết ngày làm việc.':
        'The number is used only for messages about this ticket today and is deleted at the end of the working day.',
    'Đăng ký nhắn tin': 'Send me messages',
}


def esc(s):
    return s.replace('\\', '\\\\').replace('"', '\\"')


here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, 'en', 'LC_MESSAGES', 'kiosk-app.po')
# Translations already in the .po (some were added there by hand) are kept unless EN above has one.
if os.path.exists(path):
    text = open(path, encoding='utf-8').read()
    unesc = lambda s: s.replace('\\"', '"').replace('\\\\', '\\')
    for m in re.finditer(r'^msgid "((?:[^"\\]|\\.)*)"\nmsgstr "((?:[^"\\]|\\.)*)"', text, re.M):
        if m.group(1) and m.group(2):
            EN.setdefault(unesc(m.group(1)), unesc(m.group(2)))
seen = []
for f in sorted(glob.glob(os.path.join(here, '..', 'ui', '*.slint'))):
    for m in re.finditer(r'@tr\("((?:[^"\\]|\\.)*)"', open(f, encoding='utf-8').read()):
        if m.group(1) not in seen:
            seen.append(m.group(1))
missing = [s for s in seen if s not in EN]
out = ['# English translation of the kiosk UI (source language: Vietnamese).',
       '# SPDX-License-Identifier: GPL-3.0-or-later', 'msgid ""', 'msgstr ""',
       '"Content-Type: text/plain; charset=UTF-8\\n"', '"Language: en\\n"', '']
for s in seen:
    out += [f'msgid "{esc(s)}"', f'msgstr "{esc(EN.get(s, ""))}"', '']
open(path, 'w', encoding='utf-8').write('\n'.join(out))
print(f'{len(seen)} strings, {len(missing)} untranslated: {missing}')
