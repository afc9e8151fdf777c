//! The procedure catalogue over real HTTP: search as kiosks and counters use it, editing and file
//! import by the admin (all or none), and a ticket that records the procedure chosen.

mod common;

use common::*;
use serde_json::{json, Value};

fn names(list: &Value) -> Vec<String> {
    list["procedures"].as_array().unwrap().iter().map(|p| p["name"]["vi"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn kiosks_find_procedures_without_diacritics_and_take_a_ticket_for_one() {
    let dir = temp_dir("procedures-search");
    let s = Server::demo(&dir);
    let kiosk = device(&s, "ticket-kiosk", None).await;

    let (status, list) = get(&s, &kiosk, "/api/v1/procedures?q=dang%20ky%20khai%20sinh").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(names(&list), ["Đăng ký khai sinh"]);
    let birth = &list["procedures"][0];
    assert_eq!(birth["service"], "ho-tich");
    assert_eq!(birth["letter"], "A");
    assert_eq!(birth["time_limit_text"]["vi"], "Trong ngày");
    assert_eq!(birth["counters"], json!([1, 2, 6]), "every counter of the service when the entry names none");
    assert!(!birth["papers"].as_array().unwrap().is_empty());

    // NFD input (as some phone keyboards send it) and capitals find the same.
    let nfd = "KHAI%20SINH%20%C4%91a%CC%86ng"; // "KHAI SINH đăng" with ă as a + combining breve
    let (_, list) = get(&s, &kiosk, &format!("/api/v1/procedures?q={nfd}")).await;
    assert_eq!(names(&list), ["Đăng ký khai sinh"]);

    // Browsing by field: the fields come back for the menu, and a field narrows the list.
    let (_, all) = get(&s, &kiosk, "/api/v1/procedures").await;
    let fields: Vec<&str> = all["fields"].as_array().unwrap().iter().map(|f| f["vi"].as_str().unwrap()).collect();
    assert!(fields.contains(&"Hộ tịch") && fields.contains(&"Chứng thực"), "{fields:?}");
    let (_, civil) = get(&s, &kiosk, "/api/v1/procedures?field=ho%20tich&limit=3").await;
    assert_eq!(civil["procedures"].as_array().unwrap().len(), 3);
    assert!(civil["total"].as_u64().unwrap() > 3, "total counts every match, not the page");
    assert!(civil["procedures"].as_array().unwrap().iter().all(|p| p["field"]["vi"] == "Hộ tịch"));

    // Bounded: a limit past 200 or a query past 100 characters is refused in both languages.
    let (status, e) = get(&s, &kiosk, "/api/v1/procedures?limit=201").await;
    assert_eq!(status, 422, "{e}");
    assert!(e["message"]["vi"].as_str().unwrap().contains("200"));
    let (status, _) = get(&s, &kiosk, &format!("/api/v1/procedures?q={}", "a".repeat(101))).await;
    assert_eq!(status, 422);

    // The ticket records the procedure and the officer sees it.
    let code = birth["code"].as_str().unwrap();
    let (status, ticket) =
        post(&s, &kiosk, "/api/v1/tickets", json!({ "service": "ho-tich", "procedure": code })).await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["procedure"]["code"], code);
    assert_eq!(ticket["procedure"]["name"]["vi"], "Đăng ký khai sinh");
    let officer = login(&s, "canbo1").await;
    let (status, called) = post(&s, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(called["procedure"]["code"], code);
    let (_, desk) = get(&s, &officer, "/api/v1/counters/1/desk").await;
    assert_eq!(desk["current"]["procedure"]["name"]["vi"], "Đăng ký khai sinh");

    // A procedure another service takes, or one not in the catalogue, is refused and issues nothing.
    let before = last_seq(&s).await;
    let (status, e) = post(&s, &kiosk, "/api/v1/tickets", json!({ "service": "dat-dai", "procedure": code })).await;
    assert_eq!((status, e["code"].as_str()), (409, Some("procedure_other_service")), "{e}");
    assert!(e["message"]["vi"].as_str().unwrap().contains("dịch vụ khác"), "{e}");
    let (status, e) =
        post(&s, &kiosk, "/api/v1/tickets", json!({ "service": "ho-tich", "procedure": "9.999999" })).await;
    assert_eq!((status, e["code"].as_str()), (404, Some("unknown_procedure")), "{e}");
    assert_eq!(last_seq(&s).await, before);
}

#[tokio::test]
async fn the_admin_edits_and_imports_the_catalogue_all_or_none() {
    let dir = temp_dir("procedures-admin");
    let s = Server::demo(&dir);
    let admin = login(&s, "admin").await;
    let officer = login(&s, "canbo1").await;
    let kiosk = device(&s, "ticket-kiosk", None).await;

    let record = json!({
        "code": "1.003583.000.00.00.H29",
        "name": { "vi": "Đăng ký giám hộ", "en": "Guardianship registration" },
        "field": { "vi": "Hộ tịch", "en": "Civil status" },
        "time_limit": { "working_days": 3 },
        "fees": [{ "name": { "vi": "Lệ phí", "en": "Fee" }, "amount_vnd": 15000 }],
        "papers": [{ "vi": "Tờ khai đăng ký giám hộ", "en": "" }],
        "service": "ho-tich",
        "counters": [2],
    });
    // Only the admin may change the catalogue.
    let (status, _) = put(&s, &officer, "/api/v1/admin/procedures/1.003583.000.00.00.H29", record.clone()).await;
    assert_eq!(status, 403);
    let (status, view) = put(&s, &admin, "/api/v1/admin/procedures/1.003583.000.00.00.H29", record.clone()).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["counters"], json!([2]));
    assert_eq!(view["time_limit_text"]["vi"], "03 ngày làm việc");
    // Saving it unchanged records nothing.
    let before = last_seq(&s).await;
    put(&s, &admin, "/api/v1/admin/procedures/1.003583.000.00.00.H29", record.clone()).await;
    assert_eq!(last_seq(&s).await, before);
    // A counter that does not serve its service is refused with a sentence, nothing saved.
    let mut bad = record.clone();
    bad["counters"] = json!([3]);
    let (status, e) = put(&s, &admin, "/api/v1/admin/procedures/1.003583.000.00.00.H29", bad).await;
    assert_eq!((status, e["code"].as_str()), (409, Some("counter_not_serving")), "{e}");
    assert!(e["message"]["vi"].as_str().unwrap().contains("quầy số 3"), "{e}");
    assert_eq!(last_seq(&s).await, before);

    // Withdrawn: gone from kiosks, still listed for staff who ask for withdrawn ones.
    let mut withdrawn = record.clone();
    withdrawn["active"] = json!(false);
    let (status, _) = put(&s, &admin, "/api/v1/admin/procedures/1.003583.000.00.00.H29", withdrawn).await;
    assert_eq!(status, 200);
    let (_, list) = get(&s, &kiosk, "/api/v1/procedures?q=giam%20ho&include_withdrawn=true").await;
    assert!(names(&list).is_empty(), "a kiosk never sees withdrawn procedures: {list}");
    let (_, list) = get(&s, &admin, "/api/v1/procedures?q=giam%20ho&include_withdrawn=true").await;
    assert_eq!(names(&list), ["Đăng ký giám hộ"]);

    // A CSV import with one bad row changes nothing and says which row.
    let csv = "\u{feff}code;name_vi;field_vi;service;time_limit;fees\n\
               9.000001;Thủ tục thử một;Thử nghiệm;chung-thuc;2 ngày;Lệ phí=5.000\n\
               9.000002;Thủ tục thử hai;Thử nghiệm;chung-thuc;mãi mãi;\n";
    let before = last_seq(&s).await;
    let (status, e) =
        post(&s, &admin, "/api/v1/admin/procedures/import", json!({ "format": "csv", "content": csv })).await;
    assert_eq!(status, 422, "{e}");
    assert!(e["message"]["vi"].as_str().unwrap().contains("Dòng 3"), "{e}");
    assert_eq!(last_seq(&s).await, before);
    let fixed = csv.replace("mãi mãi", "4 giờ");
    let (status, r) =
        post(&s, &admin, "/api/v1/admin/procedures/import", json!({ "format": "csv", "content": fixed })).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!((r["read"].as_u64(), r["saved"].as_u64()), (Some(2), Some(2)));
    let (_, list) = get(&s, &kiosk, "/api/v1/procedures?q=thu%20nghiem").await;
    assert_eq!(names(&list), ["Thủ tục thử hai", "Thủ tục thử một"]);
    assert_eq!(list["procedures"][0]["time_limit"], json!({ "working_hours": 4 }));
    assert_eq!(list["procedures"][1]["fees"][0]["amount_vnd"], 5000);

    // JSON import: the records as the API returns them; a duplicate code refuses the whole file.
    let dup = json!([record.clone(), record]);
    let (status, e) =
        post(&s, &admin, "/api/v1/admin/procedures/import", json!({ "format": "json", "content": dup.to_string() }))
            .await;
    assert_eq!(status, 422, "{e}");
    assert!(e["message"]["en"].as_str().unwrap().contains("twice"), "{e}");

    // The catalogue survives a restart (it is in the log).
    drop(s);
    let s = Server::demo(&dir);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    let (_, list) = get(&s, &kiosk, "/api/v1/procedures?q=thu%20nghiem").await;
    assert_eq!(list["total"], 2);
}
