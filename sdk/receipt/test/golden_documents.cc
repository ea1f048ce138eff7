#include "golden_documents.h"

#include <cmath>

#include "mykey/receipt/image.h"

namespace mykey::receipt::golden {

std::string VoucherPayload() {
  static constexpr char kBase45[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  std::string payload;
  for (int i = 0; i < 100; ++i) payload.push_back(kBase45[(i * 7 + 3) % 45]);
  return payload;
}

Document VoucherDocument() {
  TextStyle title;
  title.width_scale = 2;
  title.height_scale = 2;
  title.alignment = Alignment::kCenter;
  TextStyle center;
  center.alignment = Alignment::kCenter;
  TextStyle amount;
  amount.bold = true;
  amount.height_scale = 2;
  amount.alignment = Alignment::kCenter;
  TextStyle underlined;
  underlined.underline = true;

  Document doc;
  doc.Text("さくら市", title)
      .Text("プレミアムポイント券", center)
      .AddRule()
      .Text("1,000 ポイント", amount)
      .Text("発行日   2025-04-01")
      .Text("有効期限 2025-09-30", underlined)
      .AddQr(QrCode{VoucherPayload(), QrErrorCorrection::kM, 0, Alignment::kCenter})
      .Text("券番号 K7QD-M2XF-9", center)
      .AddRule()
      .Text("ご利用条件: さくら市内の加盟店でご利用いただけます。現金との引き換えはできません。")
      .AddFeed(2)
      .AddCut();
  return doc;
}

Bitmap ShopLogo() {
  // A shop's grey logo as an integrator would load it with LoadGreyImage(): a shaded disc in a
  // dark ring, 200 x 100 pixels, printed 96 dots wide.
  GreyImage logo{200, 100, std::vector<uint8_t>(200 * 100, 255)};
  for (int y = 0; y < logo.height; ++y) {
    for (int x = 0; x < logo.width; ++x) {
      const double r = std::hypot(x - 100.0, y - 50.0);
      uint8_t grey = 255;
      if (r < 36) grey = static_cast<uint8_t>(80 + r * 4);  // darker towards the centre
      if (r >= 40 && r < 48) grey = 0;
      logo.pixels[static_cast<size_t>(y * logo.width + x)] = grey;
    }
  }
  PrintBitmapOptions options;
  options.width_dots = 96;
  Result<Bitmap> bitmap = ToPrintBitmap(logo, options);
  return bitmap ? *bitmap : Bitmap{};
}

Document ShopReceiptDocument() {
  TextStyle title;
  title.width_scale = 2;
  title.height_scale = 2;
  title.alignment = Alignment::kCenter;
  TextStyle right;
  right.alignment = Alignment::kRight;
  TextStyle total;
  total.bold = true;
  total.alignment = Alignment::kRight;

  Document doc;
  doc.AddImage(ShopLogo())
      .Text("領収書", title)
      .Text("Sakura Books 駅前店")
      .Text("2025-04-01 10:15  No.0042")
      .AddRule()
      .Text("文庫本 x1           770")
      .AddBarcode(
          Barcode{"978406123456", Barcode::Symbology::kEan13, 40, 2, true, Alignment::kLeft})
      .Text("Notebook A5 x2      440")
      .AddRule(Rule{Rule::Kind::kDrawn, 2})
      .Text("合計 ¥1,210", total)
      .Text("ポイント利用 -200", right)
      .AddBarcode(
          Barcode{"SB-0042-0401", Barcode::Symbology::kCode128, 60, 2, true, Alignment::kCenter})
      .AddFeed(1)
      .AddCut(Cut{Cut::Kind::kFull, 0});
  return doc;
}

Document GaijiDocument() {
  Document doc;
  doc.Text("𠮷野家 様").Text("髙橋 様").Text("山﨑 様").Text("有効期限 2025-09-30").AddCut();
  return doc;
}

std::vector<GoldenCase> GoldenCases() {
  return {
      {"voucher-58-kanji", "generic-58-kanji", VoucherDocument()},
      {"voucher-80-kanji", "generic-80-kanji", VoucherDocument()},
      {"voucher-58-kanji-raster-qr", "generic-58-kanji-raster-qr", VoucherDocument()},
      {"receipt-58-kanji", "generic-58-kanji", ShopReceiptDocument()},
      {"receipt-80-kanji", "generic-80-kanji", ShopReceiptDocument()},
      {"receipt-58-raster-only", "generic-58-raster-only", ShopReceiptDocument()},
      {"gaiji-58-kanji", "generic-58-kanji", GaijiDocument()},
  };
}

}  // namespace mykey::receipt::golden
