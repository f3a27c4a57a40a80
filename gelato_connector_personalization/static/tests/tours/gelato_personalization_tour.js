import { registry } from "@web/core/registry";

// The customer opens the link of the mail, uploads a photo, types a text, sees the preview,
// completes the personalisation and closes the thank-you popup.
registry.category("web_tour.tours").add("gelato_personalization_tour", {
    steps: () => [
        {
            content: "The editor shows the preview of what will be printed",
            trigger: ".o_gelato_personalize.o_gelato_preview_ready img.o_gelato_preview_image[src^='data:image/jpeg']",
        },
        {
            content: "Upload a photo (made here, 1600 x 1200 px, green)",
            trigger: "input.o_gelato_image_input",
            async run() {
                const canvas = document.createElement("canvas");
                canvas.width = 1600;
                canvas.height = 1200;
                const context = canvas.getContext("2d");
                context.fillStyle = "rgb(20, 160, 60)";
                context.fillRect(0, 0, canvas.width, canvas.height);
                const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
                const transfer = new DataTransfer();
                transfer.items.add(new File([blob], "photo.png", { type: "image/png" }));
                const input = document.querySelector("input.o_gelato_image_input");
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The photo is accepted",
            trigger: "input.o_gelato_image_input.o_gelato_uploaded",
        },
        {
            content: "Type the greeting",
            trigger: "input.o_gelato_text_input[name='Greeting']",
            run: "edit Happy birthday Ada",
        },
        {
            content: "The limit is shown while typing",
            trigger: ".o_gelato_counter:contains('18 / 60 characters')",
        },
        {
            content: "The preview is up to date",
            trigger: ".o_gelato_preview_status:contains('This is what will be printed.')",
        },
        {
            content: "Complete the personalisation",
            trigger: "button.o_gelato_complete",
            run: "click",
        },
        {
            content: "A thank-you popup appears",
            trigger: ".o_gelato_thanks:not(.d-none):contains('Thank you!')",
        },
        {
            content: "Close it",
            trigger: ".o_gelato_thanks button.o_gelato_thanks_close",
            run: "click",
        },
        {
            content: "The page says the personalisation is saved",
            trigger: ".o_gelato_done_note:not(.d-none)",
        },
    ],
});
